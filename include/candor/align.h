// Copyright 2026 The Candor Authors.
//
// Alignment: the similarity transform (rotation, uniform scale, translation;
// least squares, Umeyama without reflection) that maps a face's landmarks onto
// an embedder's canonical template, and the crop it produces.
//
// Two canonical crops:
//  - kArcFace112: the 112x112 ArcFace/InsightFace 5-point template (eye
//    centres, nose tip, mouth corners), used by MobileFaceNet.
//  - kDlibChip150: dlib's get_face_chip_details(size 150, padding 0.25) with
//    its 5-point mean shape (outer and inner eye corners, nose base), used by
//    the face-api port of dlib's ResNet. Needs the facemesh points; a face
//    without a mesh falls back to the eye centres mapped onto the mean of
//    dlib's corner pairs plus the mouth corners' midpoint.
//
// All functions are pure and thread-safe. Coordinates in image pixels.

#ifndef CANDOR_ALIGN_H_
#define CANDOR_ALIGN_H_

#include <vector>

#include <opencv2/core/mat.hpp>

#include "candor/face.h"

namespace candor {

enum class CanonicalCrop { kArcFace112, kDlibChip150 };

enum class AlignBorder { kReplicate, kZero };

// Least-squares similarity transform mapping `from` onto `to` (same size >= 2).
// Returns a 2x3 CV_64F matrix; an empty Mat when the points are degenerate.
cv::Mat EstimateSimilarity(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to);

// The point correspondences used for `crop`: image points from `face`, template points in crop pixels.
void CanonicalPoints(const Face& face, CanonicalCrop crop, std::vector<cv::Point2f>* image_pts,
                     std::vector<cv::Point2f>* template_pts);

// Side of the square crop in pixels (112 or 150).
int CropSize(CanonicalCrop crop);

// The 2x3 image->crop transform for `face`; empty when degenerate.
cv::Mat AlignmentTransform(const Face& face, CanonicalCrop crop);

// Warps `bgr` into the canonical crop (8-bit BGR, CropSize x CropSize). Empty
// Mat when the landmarks are degenerate.
cv::Mat AlignFace(const cv::Mat& bgr, const Face& face, CanonicalCrop crop,
                  AlignBorder border = AlignBorder::kReplicate);

}  // namespace candor

#endif  // CANDOR_ALIGN_H_
