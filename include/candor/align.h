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

#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "candor/face.h"

namespace candor {

enum class CanonicalCrop { kArcFace112, kDlibChip150 };

// How the aligned crop is filled where it reaches outside the image: the edge
// pixel repeated, black, the image mirrored about its edge (BORDER_REFLECT_101),
// mirrored and then blurred (Gaussian, sigma = crop size / 16, blended in over
// 2 px) so that no mirrored facial detail enters the crop, or mid-grey (128,
// which the embedders' input normalisation maps to about 0; measured worse than
// black, kept as an evaluation variant). A crop that lies wholly inside the
// image is the same in every mode.
enum class AlignBorder { kReplicate, kZero, kReflect, kReflectBlur, kGrey };

// Which facemesh points stand for the ArcFace five points when the face has a
// mesh (468 points). kLandmarks uses `face.landmarks` as the landmarker set
// them (eye centres = mean of the 16-point eye contours, nose tip 1, outer
// mouth corners 61/291).
enum class ArcFaceEyes {
  kLandmarks,   // face.landmarks as given (all five points)
  kEyeCorners,  // eye centre = midpoint of the two eye corners (33/133, 362/263)
  kEyeLids,     // eye centre = midpoint of the upper and lower lid centres (159/145, 386/374)
};

// Alignment variants (for evaluation; the defaults are what the pipeline uses).
struct AlignOptions {
  AlignBorder border = AlignBorder::kReplicate;
  ArcFaceEyes eyes = ArcFaceEyes::kLandmarks;
  int nose_index = -1;       // facemesh index for the nose point (-1: the landmark as given)
  bool inner_mouth = false;  // inner lip corners 78/308 instead of the landmark corners
  float eye_weight = 1.f;    // weight of each eye point in the least-squares fit (others 1)
  // Extra zoom about the crop centre (> 1 enlarges the face) and shift in crop
  // pixels, applied after the fit (multi-crop test-time augmentation).
  float zoom = 1.f, shift_x = 0.f, shift_y = 0.f;
};

// Names the default alignment (AlignOptions{}): which points, which fit. Part
// of Pipeline::SettingsKey(), so caches of embeddings made with another
// alignment are never reused.
std::string AlignmentId();

// Least-squares similarity transform mapping `from` onto `to` (same size >= 2).
// Returns a 2x3 CV_64F matrix; an empty Mat when the points are degenerate.
// `weights` (optional, same size, >= 0) weights each point's squared residual.
cv::Mat EstimateSimilarity(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to,
                           const std::vector<float>& weights = {});

// The point correspondences used for `crop`: image points from `face`, template points in crop pixels.
void CanonicalPoints(const Face& face, CanonicalCrop crop, std::vector<cv::Point2f>* image_pts,
                     std::vector<cv::Point2f>* template_pts);

// Side of the square crop in pixels (112 or 150).
int CropSize(CanonicalCrop crop);

// As above with the point choice of `options` (mesh variants apply to the
// ArcFace crop of a face with a 468-point mesh; otherwise the landmarks are used).
void CanonicalPoints(const Face& face, CanonicalCrop crop, const AlignOptions& options,
                     std::vector<cv::Point2f>* image_pts, std::vector<cv::Point2f>* template_pts);

// The 2x3 image->crop transform for `face`; empty when degenerate.
cv::Mat AlignmentTransform(const Face& face, CanonicalCrop crop);
cv::Mat AlignmentTransform(const Face& face, CanonicalCrop crop, const AlignOptions& options);

// Warps `bgr` into the canonical crop (8-bit BGR, CropSize x CropSize). Empty
// Mat when the landmarks are degenerate.
cv::Mat AlignFace(const cv::Mat& bgr, const Face& face, CanonicalCrop crop,
                  AlignBorder border = AlignBorder::kReplicate);
cv::Mat AlignFace(const cv::Mat& bgr, const Face& face, CanonicalCrop crop, const AlignOptions& options);

}  // namespace candor

#endif  // CANDOR_ALIGN_H_
