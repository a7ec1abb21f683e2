// Copyright 2026 The Candor Authors.
//
// Face detection: BlazeFace (MediaPipe, back-camera 256-px model by default)
// run over an image pyramid of overlapping tiles so that small faces in large
// photos are found, merged with MediaPipe's weighted non-maximum suppression.
//
// Input: an 8-bit BGR image (cv::Mat CV_8UC3) of any size, upright.
// Output: every face found, largest box first, in image pixel coordinates,
// each with its detector score and BlazeFace's six keypoints. No face is an
// empty vector, not an error.
// Errors: INVALID_ARGUMENT for an empty or non-BGR image; INTERNAL when the
// network fails.
// Thread safety: Detect() is const and may be called from many threads; the
// network keeps one loaded copy per concurrent caller (see inference.h).

#ifndef CANDOR_DETECTOR_H_
#define CANDOR_DETECTOR_H_

#include <array>
#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "candor/inference.h"
#include "candor/status.h"

namespace candor {

// BlazeFace's keypoints, image-left first (subject's right eye = image left).
enum DetectorKeypoint : int {
  kDetImageLeftEye = 0,
  kDetImageRightEye = 1,
  kDetNoseTip = 2,
  kDetMouthCentre = 3,
  kDetImageLeftEar = 4,
  kDetImageRightEar = 5,
};

struct FaceDetection {
  cv::Rect2f box;                       // image pixels; may extend past the image
  float score = 0;                      // 0..1
  std::array<cv::Point2f, 6> keypoints{};
  bool cut_by_border = false;           // the box extends past the image
};

struct DetectorOptions {
  std::string model_id = "blazeface-256";  // or "blazeface-front-128"
  float score_threshold = 0.6f;            // sigmoid score to keep a candidate
  float nms_iou = 0.3f;                    // IoU above which candidates are merged
  // Smallest face (box side in original pixels) the pyramid is built to find.
  // Large photos are tiled at a resolution where such a face spans ~28 px of
  // the network's input; 0 disables tiling (whole image letterboxed only).
  int min_face_px = 64;
  int tile_overlap = 96;                   // overlap of neighbouring tiles, network pixels
  int max_tiles = 256;                     // bound on network runs per image
};

class FaceDetector {
 public:
  // Loads models/<options.model_id>.onnx with `instances` network copies.
  static StatusOr<std::unique_ptr<FaceDetector>> Open(const std::filesystem::path& model_dir,
                                                      const DetectorOptions& options, int instances);

  StatusOr<std::vector<FaceDetection>> Detect(const cv::Mat& bgr) const;

  const ModelInfo& model() const { return net_->info(); }
  const DetectorOptions& options() const { return options_; }

 private:
  FaceDetector(std::unique_ptr<Network> net, DetectorOptions options, int input_size);
  // Runs the network on one square `input_size` patch; appends detections in
  // patch pixel coordinates.
  Status RunPatch(const cv::Mat& patch, std::vector<FaceDetection>* out) const;

  std::unique_ptr<Network> net_;
  DetectorOptions options_;
  int input_size_;
  std::vector<cv::Point2f> anchors_;  // centres, in [0,1] of the input
};

// MediaPipe's weighted NMS: candidates sorted by score; each kept face is the
// score-weighted mean of the candidates overlapping it by more than `iou`.
std::vector<FaceDetection> WeightedNms(std::vector<FaceDetection> candidates, float iou);

}  // namespace candor

#endif  // CANDOR_DETECTOR_H_
