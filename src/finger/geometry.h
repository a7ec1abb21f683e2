// Copyright 2026 The Candor Authors.
//
// Angle helpers shared by the finger modules (private).

#ifndef CANDOR_FINGER_GEOMETRY_H_
#define CANDOR_FINGER_GEOMETRY_H_

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace candor::finger::internal {

inline constexpr double kPi = 3.14159265358979323846;

// a - b wrapped to [-pi, pi).
inline double AngleDiff(double a, double b) {
  double d = std::fmod(a - b + kPi, 2 * kPi);
  if (d < 0) d += 2 * kPi;
  return d - kPi;
}

// a wrapped to [0, 2*pi).
inline double Wrap2Pi(double a) {
  a = std::fmod(a, 2 * kPi);
  return a < 0 ? a + 2 * kPi : a;
}

}  // namespace candor::finger::internal

#endif  // CANDOR_FINGER_GEOMETRY_H_
