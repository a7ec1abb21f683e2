// Copyright 2026 The Candor Authors.

#include "candor/quality.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "quality/measures.h"

namespace candor {
namespace {

float Ramp(float x, float zero_at, float one_at) {  // linear 0..1, either direction
  float t = (x - zero_at) / (one_at - zero_at);
  return std::clamp(t, 0.f, 1.f);
}

bool Finite(cv::Point2f p) { return std::isfinite(p.x) && std::isfinite(p.y); }

bool OutsideImage(const Face& f, const cv::Size& size) {
  const cv::Rect2f& b = f.box;
  if (b.width > 0 && b.height > 0) {
    if (b.x < 0 || b.y < 0 || b.x + b.width > size.width || b.y + b.height > size.height)
      return true;
  }
  for (const auto& p : f.landmarks) {
    if (p.x < 0 || p.y < 0 || p.x >= size.width || p.y >= size.height) return true;
  }
  return false;
}

}  // namespace

StatusOr<FaceQuality> AssessQuality(const cv::Mat& image, const Face& face,
                                    const cv::Mat& aligned_crop, const QualityThresholds& th) {
  if (image.empty() || image.type() != CV_8UC3)
    return InvalidArgumentError("quality needs a non-empty BGR image");
  for (const auto& p : face.landmarks) {
    if (!Finite(p)) return InvalidArgumentError("face landmarks are not finite");
  }
  const cv::Point2f le = face.landmarks[kImageLeftEye], re = face.landmarks[kImageRightEye];
  const float iod = std::hypot(re.x - le.x, re.y - le.y);
  if (!(iod > 0.5f)) return InvalidArgumentError("face landmarks put both eyes on the same point");
  cv::Mat crop = aligned_crop;
  if (crop.empty()) {
    crop = quality::EyeAlignedCrop(image, le, re);
  } else if (crop.type() != CV_8UC3 || crop.cols < 32 || crop.rows < 32) {
    return InvalidArgumentError("aligned crop must be BGR and at least 32x32");
  }

  FaceQuality q;
  q.inter_eye_px = iod;
  q.sharpness = quality::Sharpness(crop);
  quality::Pose pose = quality::PoseFrom5(face.landmarks);
  q.yaw_deg = pose.yaw_deg;
  q.pitch_deg = pose.pitch_deg;
  q.roll_deg = pose.roll_deg;
  quality::Exposure e = quality::MeasureExposure(crop);
  q.brightness = e.brightness;
  q.contrast = e.contrast;
  q.clipped = e.clipped_dark + e.clipped_bright;
  const bool cut = face.cut_by_border || OutsideImage(face, image.size());

  // Factors in 0..1 (docs/QUALITY.md, "Score").
  const float f_size = Ramp(iod, 12.f, 48.f);
  const float f_sharp = Ramp(q.sharpness, 0.10f, 0.55f);
  const float f_yaw = 1.f - Ramp(std::fabs(q.yaw_deg), 10.f, 50.f);
  const float f_pitch = 1.f - Ramp(std::fabs(q.pitch_deg), 10.f, 45.f);
  const float f_roll = 1.f - 0.5f * Ramp(std::fabs(q.roll_deg), 20.f, 60.f);
  const float f_light = Ramp(q.brightness, 20.f, 70.f) * (1.f - Ramp(q.brightness, 190.f, 245.f));
  const float f_contrast = Ramp(q.contrast, 8.f, 30.f);
  const float f_clip = 1.f - Ramp(q.clipped, 0.05f, 0.40f);
  const float f_border = cut ? 0.5f : 1.f;
  float score = 100.f * f_size * f_sharp * f_yaw * f_pitch * f_roll * f_light * f_contrast *
                f_clip * f_border;
  q.score = static_cast<int>(std::lround(std::clamp(score, 0.f, 100.f)));

  if (iod < th.min_inter_eye_px) q.issues.push_back("too small");
  if (q.sharpness < th.min_sharpness) q.issues.push_back("blurred");
  if (std::fabs(q.yaw_deg) > th.max_yaw_deg || std::fabs(q.pitch_deg) > th.max_pitch_deg ||
      std::fabs(q.roll_deg) > th.max_roll_deg) {
    q.issues.push_back("turned");
  }
  if (q.brightness < th.min_brightness || e.clipped_dark > th.max_clipped)
    q.issues.push_back("too dark");
  if (q.brightness > th.max_brightness || e.clipped_bright > th.max_clipped)
    q.issues.push_back("too bright");
  if (cut) q.issues.push_back("cut by border");
  return q;
}

}  // namespace candor
