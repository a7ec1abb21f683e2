// Copyright 2026 The Candor Authors.
//
// Face sample quality in the spirit of ISO/IEC 29794-5: measures that predict
// whether a face image is good enough to compare, and a combined 0..100 score
// with plain-words issues. The exact meaning of every field, threshold and the
// score formula is documented in docs/QUALITY.md; the defaults below are the
// ones documented there.
//
// Inputs:
//   image        the decoded, upright BGR image (CV_8UC3) the face was found in;
//   face         box and 5 landmarks in `image` pixels (face.h); the optional
//                mesh is not needed;
//   aligned_crop the embedder's aligned face crop (any size >= 32x32, CV_8UC3),
//                or an empty Mat: then a 112x112 crop aligned on the eyes is
//                made from `image` (the ArcFace reference geometry).
// Output: FaceQuality with every measure filled, `score` 0..100 and `issues`.
// Errors: INVALID_ARGUMENT for an empty/non-BGR image, a too small crop, or
//   landmarks that are not finite or put both eyes on the same point.
// Thread safety: pure function of its arguments; safe to call concurrently.

#ifndef CANDOR_QUALITY_H_
#define CANDOR_QUALITY_H_

#include <opencv2/core/mat.hpp>

#include "candor/face.h"
#include "candor/status.h"

namespace candor {

struct QualityThresholds {
  // An issue is reported when a measure crosses its threshold.
  float min_inter_eye_px = 24;  // "too small"
  float min_sharpness = 0.25f;  // "blurred"
  float max_yaw_deg = 25;       // "turned" (also pitch)
  float max_pitch_deg = 25;
  float max_roll_deg = 30;     // "turned" when the head is tilted this far
  float min_brightness = 60;   // "too dark"
  float max_brightness = 200;  // "too bright"
  float max_clipped = 0.15f;   // "too dark"/"too bright" by clipped pixels
};

StatusOr<FaceQuality> AssessQuality(const cv::Mat& image, const Face& face,
                                    const cv::Mat& aligned_crop,
                                    const QualityThresholds& thresholds = {});

}  // namespace candor

#endif  // CANDOR_QUALITY_H_
