// Copyright 2026 The Candor Authors.
//
// Fingerprint quality: orientation certainty, ridge clarity, frequency
// consistency, usable area and minutia count, combined into 0..100.

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>

#include "finger/finger_quality.h"

namespace candor::finger::internal {
namespace {

double Clamp01(double v) { return std::clamp(v, 0.0, 1.0); }
constexpr double kPxPerMm = 500 / 25.4;

}  // namespace

FingerQuality AssessFingerQuality(const cv::Mat& coherence, const cv::Mat& clarity, const cv::Mat& mask,
                                  const RidgePeriod& period, int minutia_count,
                                  const QualityThresholds& t) {
  FingerQuality q;
  const int area = cv::countNonZero(mask);
  q.usable_area = static_cast<double>(area) / (static_cast<double>(mask.rows) * mask.cols);
  q.usable_area_mm2 = area / (kPxPerMm * kPxPerMm);
  if (area > 0) {
    q.orientation_certainty = cv::mean(coherence, mask)[0];
    q.ridge_clarity = cv::mean(clarity, mask)[0];
  }
  q.frequency_consistency = Clamp01(period.valid_fraction * (1 - period.spread / 0.3));
  q.mean_ridge_period_px = period.median;
  q.minutia_count = minutia_count;

  // Each measure mapped to [0, 1] between "useless" and "good" (docs/FINGER.md).
  const double s_ocl = Clamp01((q.orientation_certainty - 0.25) / 0.45);
  const double s_clar = Clamp01((q.ridge_clarity - 0.25) / 0.45);
  const double s_freq = q.frequency_consistency;
  const double s_area = Clamp01(q.usable_area_mm2 / 150.0);
  const double s_min = Clamp01(minutia_count / 30.0);
  const double score = 0.25 * s_ocl + 0.30 * s_clar + 0.15 * s_freq + 0.15 * s_area + 0.15 * s_min;
  q.score = static_cast<int>(std::lround(100 * Clamp01(score)));

  if (q.usable_area_mm2 < t.min_area_mm2) q.issues.push_back("small area");
  if (q.orientation_certainty < t.min_orientation_certainty) q.issues.push_back("low orientation certainty");
  if (q.ridge_clarity < t.min_ridge_clarity) q.issues.push_back("unclear ridges");
  if (q.frequency_consistency < t.min_frequency_consistency) q.issues.push_back("inconsistent ridge frequency");
  if (minutia_count < t.min_minutiae) q.issues.push_back("few minutiae");
  return q;
}

}  // namespace candor::finger::internal
