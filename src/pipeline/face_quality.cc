// Copyright 2026 The Candor Authors.

#include "pipeline/face_quality.h"

#include <algorithm>
#include <cmath>

#include "candor/quality.h"

namespace candor {

bool FaceNearBorder(const cv::Rect2f& box, cv::Size image) {
  const float half = 0.75f * std::max(box.width, box.height);
  const float cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  return cx - half < 0 || cy - half < 0 || cx + half > image.width || cy + half > image.height;
}

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
  face->near_border = FaceNearBorder(face->box, bgr.size());
  if (face->near_border && !face->cut_by_border) {
    bool cut_listed = false;
    for (const auto& i : face->quality.issues) cut_listed = cut_listed || i == "cut by border";
    if (!cut_listed) face->quality.issues.push_back("near border");
  }
  if (face->cut_by_border) {
    bool listed = false;
    for (const auto& i : face->quality.issues) listed = listed || i == "cut by border";
    if (!listed) face->quality.issues.push_back("cut by border");
  }
}

}  // namespace candor
