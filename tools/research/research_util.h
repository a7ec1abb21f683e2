// Helpers the LFW research harnesses in tools/research share.
//
// PickCentral: the face LFW means in an image: of `faces`, those at least 30 % of the
// largest's area, the one whose box centre is nearest the image centre. Returns a
// pointer into `faces`, or nullptr when `faces` is empty.
// Dot: the dot product of the common prefix of two vectors, in double.
// Header-only; no state; thread-safe.
#ifndef CANDOR_TOOLS_RESEARCH_RESEARCH_UTIL_H_
#define CANDOR_TOOLS_RESEARCH_RESEARCH_UTIL_H_

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <vector>

#include "candor/detector.h"

namespace candor::research {

inline const FaceDetection* PickCentral(const std::vector<FaceDetection>& faces, cv::Size size) {
  float largest = 0;
  for (const auto& f : faces) largest = std::max(largest, f.box.area());
  const FaceDetection* best = nullptr;
  float best_d = 1e30f;
  for (const auto& f : faces) {
    if (f.box.area() < 0.3f * largest) continue;
    const float d = std::hypot(f.box.x + f.box.width / 2 - size.width / 2.f,
                               f.box.y + f.box.height / 2 - size.height / 2.f);
    if (d < best_d) best_d = d, best = &f;
  }
  return best;
}

inline double Dot(const std::vector<float>& x, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) s += double(x[i]) * y[i];
  return s;
}

}  // namespace candor::research

#endif  // CANDOR_TOOLS_RESEARCH_RESEARCH_UTIL_H_
