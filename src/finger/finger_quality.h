// Copyright 2026 The Candor Authors.
//
// The fingerprint quality score (private): NFIQ 2-style measures combined into
// 0..100 with named issues. Formula and thresholds in docs/FINGER.md.

#ifndef CANDOR_FINGER_FINGER_QUALITY_H_
#define CANDOR_FINGER_FINGER_QUALITY_H_

#include <opencv2/core/mat.hpp>

#include "candor/finger.h"
#include "finger/ridge_field.h"

namespace candor::finger::internal {

struct QualityThresholds {
  double min_area_mm2 = 100;        // "small area"
  double min_orientation_certainty = 0.45;
  double min_ridge_clarity = 0.45;
  double min_frequency_consistency = 0.5;
  int min_minutiae = 12;            // "few minutiae"
};

// coherence, clarity: CV_32F maps in [0, 1]; mask CV_8U at 500 dpi.
FingerQuality AssessFingerQuality(const cv::Mat& coherence, const cv::Mat& clarity, const cv::Mat& mask,
                                  const RidgePeriod& period, int minutia_count,
                                  const QualityThresholds& thresholds = {});

}  // namespace candor::finger::internal

#endif  // CANDOR_FINGER_FINGER_QUALITY_H_
