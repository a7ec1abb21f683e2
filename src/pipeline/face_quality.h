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

}  // namespace candor

#endif  // CANDOR_PIPELINE_FACE_QUALITY_H_
