// Copyright 2026 The Candor Authors.

#include "pipeline/face_quality.h"

#include <cmath>

#include "candor/quality.h"

namespace candor {

void AssessFaceQuality(const cv::Mat& bgr, Face* face) {
  auto q = AssessQuality(bgr, *face, cv::Mat());
  if (q.ok()) {
    face->quality = *q;
  } else {
    // Degenerate landmarks: report the geometry we have and a zero score.
    face->quality = FaceQuality();
    face->quality.issues.push_back("landmarks unusable: " + q.status().message());
  }
  const cv::Point2f d = face->landmarks[kImageRightEye] - face->landmarks[kImageLeftEye];
  face->quality.inter_eye_px = std::hypot(d.x, d.y);
  if (face->cut_by_border) {
    bool listed = false;
    for (const auto& i : face->quality.issues) listed = listed || i == "cut by border";
    if (!listed) face->quality.issues.push_back("cut by border");
  }
}

}  // namespace candor
