// Copyright 2026 The Candor Authors.
//
// The individual quality measures behind AssessQuality (candor/quality.h),
// exposed for tests and for callers that need one measure only. Each is a
// pure function; thread-safe. Definitions are in docs/QUALITY.md.

#ifndef CANDOR_QUALITY_MEASURES_H_
#define CANDOR_QUALITY_MEASURES_H_

#include <array>
#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace candor::quality {

// ArcFace's 112x112 reference landmarks (the frontal pose reference).
extern const std::array<cv::Point2f, 5> kReference112;

// A 112x112 crop whose eyes land on the reference eye positions (similarity
// transform from the two eyes).
cv::Mat EyeAlignedCrop(const cv::Mat& bgr, const cv::Point2f& left_eye,
                       const cv::Point2f& right_eye);

// Normalised Laplacian energy of the crop's inner face region, mapped to 0..1
// (higher = sharper); independent of crop size and of global gain.
float Sharpness(const cv::Mat& crop_bgr);

struct Pose {
  float yaw_deg = 0, pitch_deg = 0, roll_deg = 0;
};
// Head pose estimated from 5 landmarks against the frontal reference.
Pose PoseFrom5(const std::array<cv::Point2f, 5>& lm);

struct Exposure {
  float brightness = 0;      // mean luma 0..255
  float contrast = 0;        // luma standard deviation
  float clipped_dark = 0;    // fraction of pixels with luma <= 2
  float clipped_bright = 0;  // fraction of pixels with luma >= 253
};
// Exposure of the crop's inner face region.
Exposure MeasureExposure(const cv::Mat& crop_bgr);

// The inner face region of a crop (central 70% wide, 80% high, shifted down
// slightly so it covers eyes to chin and excludes most background).
cv::Rect InnerFace(const cv::Size& crop);

}  // namespace candor::quality

#endif  // CANDOR_QUALITY_MEASURES_H_
