// Copyright 2026 The Candor Authors.
//
// The extraction steps before minutiae (private to src/finger): grey
// normalisation, orientation field, segmentation, ridge frequency and
// contextual Gabor enhancement. Every function is pure; images are CV_32F at
// 500 dpi unless noted. Parameters and their sources are in docs/FINGER.md.

#ifndef CANDOR_FINGER_RIDGE_FIELD_H_
#define CANDOR_FINGER_RIDGE_FIELD_H_

#include <opencv2/core/mat.hpp>

namespace candor::finger::internal {

// Orientation field after Kass & Witkin / Bazen & Gerez (doubled-angle
// averaging of gradient products), with Kovesi's sigmas: gradient 1, block 7,
// orientation smoothing 7 (px at 500 dpi).
struct OrientationField {
  cv::Mat theta;      // ridge direction in [0, pi), CV_32F
  cv::Mat coherence;  // [0, 1], before smoothing, CV_32F
};
OrientationField ComputeOrientation(const cv::Mat& grey);

// Local mean / standard deviation over a Gaussian window (sigma px).
void LocalMeanStd(const cv::Mat& grey, double sigma, cv::Mat* mean, cv::Mat* stddev);

// Print vs background on 8x8 blocks: local contrast and coherence, then
// morphology, the largest component, holes filled. CV_8U 0/255. Empty
// (all zero) when nothing looks like ridges.
cv::Mat Segment(const cv::Mat& grey, const OrientationField& field);

// Ridge period (px) per pixel: Hong, Wan & Jain (1998) oriented-window
// signatures on 16-px blocks (32x16 windows), accepted in [5, 15] px (Kovesi),
// gaps filled with the median and smoothed. `valid_fraction` and
// `period_spread` (std/mean of accepted blocks) feed the quality measure.
struct RidgePeriod {
  cv::Mat period;  // CV_32F px
  double median = 0;
  double valid_fraction = 0;
  double spread = 0;
};
RidgePeriod ComputeRidgePeriod(const cv::Mat& normalized, const cv::Mat& theta, const cv::Mat& mask);

// Contextual Gabor filtering (Hong, Wan & Jain 1998, sigma_x = sigma_y = 4)
// tuned per pixel to the local direction (24 bins) and period (0.5-px bins),
// on the locally normalised image with ridges positive. Output CV_32F, zero
// outside the mask; ridges > 0.
cv::Mat GaborEnhance(const cv::Mat& normalized, const cv::Mat& theta, const cv::Mat& period,
                     const cv::Mat& mask);

}  // namespace candor::finger::internal

#endif  // CANDOR_FINGER_RIDGE_FIELD_H_
