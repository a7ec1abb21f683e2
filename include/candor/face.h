// Copyright 2026 The Candor Authors.
//
// What the pipeline knows about one face in one image. Plain values; safe to
// copy and to share read-only between threads.
//
// Coordinates are pixels of the decoded, upright image (EXIF orientation already
// applied), origin top-left, x to the right, y down.

#ifndef CANDOR_FACE_H_
#define CANDOR_FACE_H_

#include <array>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

namespace candor {

// Five landmarks in the order the aligners use. "Left"/"right" are as seen in
// the image (image-left = smaller x for an upright frontal face), i.e. the
// subject's right eye is kImageLeftEye.
enum Landmark5 : int {
  kImageLeftEye = 0,
  kImageRightEye = 1,
  kNoseTip = 2,
  kMouthImageLeft = 3,
  kMouthImageRight = 4,
};

// How a stage fills the pixels it samples outside the image (a face near or
// cut by the image border): black, the edge pixel repeated, or the image
// mirrored about its edge (OpenCV BORDER_REFLECT_101).
enum class OutsideFill { kZero, kReplicate, kReflect };

// Quality of one face sample, in the spirit of ISO/IEC 29794-5. Every measure
// is reported as measured; `score` combines them into 0..100 where 100 is an
// ideal frontal, sharp, well-exposed, large face (the mapping is documented in
// docs/QUALITY.md). `issues` names what is wrong in words a person can act on:
// "too small", "blurred", "turned", "too dark", "too bright", "cut by border",
// "near border".
struct FaceQuality {
  float inter_eye_px = 0;  // distance between eye centres in the original image
  float sharpness = 0;     // 0..1, from Laplacian energy on the aligned crop
  float yaw_deg = 0;       // + = subject turned to image-right
  float pitch_deg = 0;     // + = subject looking up
  float roll_deg = 0;      // in-plane rotation of the eye line
  float brightness = 0;    // mean luma of the face region, 0..255
  float contrast = 0;      // luma standard deviation of the face region
  float clipped = 0;       // fraction of face pixels at 0 or 255
  int score = 0;           // 0..100
  std::vector<std::string> issues;
};

struct Face {
  cv::Rect2f box;                          // face box in image pixels
  float detector_score = 0;                // 0..1
  std::array<cv::Point2f, 5> landmarks{};  // see Landmark5
  std::vector<cv::Point3f> mesh;           // 468 dense landmarks when available (x, y pixels; z relative)
  bool cut_by_border = false;              // part of the face lies outside the image
  // The face touches or nearly touches the border: the context the landmarker
  // crops (1.5x the box) reaches outside the image, so the pipeline filled
  // pixels the photo does not have (PipelineOptions::border). Quality issue
  // "near border" when the face is not also cut by it.
  bool near_border = false;
  FaceQuality quality;
};

}  // namespace candor

#endif  // CANDOR_FACE_H_
