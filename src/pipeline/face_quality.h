// Copyright 2026 The Candor Authors.
//
// Fills face->quality for a face the pipeline found in `bgr`: delegates to the
// quality stage (include/candor/quality.h) when it is built, and always sets
// the geometric measures the pipeline knows itself (inter-eye distance, roll,
// cut by border). Never fails; thread-safe.

#ifndef CANDOR_PIPELINE_FACE_QUALITY_H_
#define CANDOR_PIPELINE_FACE_QUALITY_H_

#include <opencv2/core/mat.hpp>

#include "candor/face.h"

namespace candor {

void AssessFaceQuality(const cv::Mat& bgr, Face* face);

// True when the square of 1.5x the face box around its centre (the context
// the landmarker crops) reaches outside an image of `image` size: the face
// touches or nearly touches the border, and some stage samples pixels the
// photo does not have.
bool FaceNearBorder(const cv::Rect2f& box, cv::Size image);

}  // namespace candor

#endif  // CANDOR_PIPELINE_FACE_QUALITY_H_
