// Copyright 2026 The Candor Authors.
//
// Ridge skeleton and minutiae on it (private to src/finger).
//   Thin: Zhang & Suen (1984) thinning of a 0/1 CV_8U ridge map, then removal
//     of staircase pixels so that every ridge is one 8-connected pixel wide
//     and the crossing number is exact.
//   FindMinutiae: crossing number 1 (ending) / 3 (bifurcation), direction from
//     the ridge traced one period away, snapped to the orientation field, then
//     false-minutiae removal (border, spurs, short ridges, bridges, breaks,
//     clusters). `quality` is CV_32F in [0, 1] (local clarity and certainty).
// Pure functions.

#ifndef CANDOR_FINGER_SKELETON_H_
#define CANDOR_FINGER_SKELETON_H_

#include <opencv2/core/mat.hpp>
#include <vector>

#include "candor/finger.h"

namespace candor::finger::internal {

cv::Mat Thin(const cv::Mat& ridges01);

struct MinutiaeCounts {  // what each removal rule took out (for tests and docs)
  int raw = 0, border = 0, spur = 0, short_ridge = 0, bridge = 0, broken = 0, cluster = 0;
};

std::vector<Minutia> FindMinutiae(const cv::Mat& skeleton01, const cv::Mat& theta,
                                  const cv::Mat& mask, const cv::Mat& quality, float period,
                                  MinutiaeCounts* counts = nullptr);

}  // namespace candor::finger::internal

#endif  // CANDOR_FINGER_SKELETON_H_
