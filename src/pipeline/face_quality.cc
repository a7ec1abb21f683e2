// Copyright 2026 The Candor Authors.

#include "pipeline/face_quality.h"

#include <cmath>

namespace candor {

void AssessFaceQuality(const cv::Mat& bgr, Face* face) {
  FaceQuality& q = face->quality;
  const cv::Point2f d = face->landmarks[kImageRightEye] - face->landmarks[kImageLeftEye];
  q.inter_eye_px = std::hypot(d.x, d.y);
  q.roll_deg = static_cast<float>(std::atan2(d.y, d.x) * 180.0 / M_PI);
}

}  // namespace candor
