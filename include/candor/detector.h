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
// network keeps one loaded copy per concurrent caller (see inference.h). With
// several copies, one call spreads a large photo's tiles over that many
// threads (same result as one thread).

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
  // A second, smaller network for small images: used instead of model_id when
  // the whole image letterboxed into its input already shows a face of
  // min_face_px at MinFaceInNet pixels (long side <= SmallImageMaxSide), i.e.
  // when the big network would run once on the whole image anyway. If it
  // finds no face, model_id runs too. Empty, or a missing model file, = never.
  // Measured on all of LFW (docs/BENCHMARKS.md, "Face pipeline").
  std::string small_model_id = "blazeface-front-128";
  float score_threshold = 0.6f;            // sigmoid score to keep a candidate
  // Stricter score for candidates from the fine pyramid levels (tiles): the
  // false faces measured on the wild photos (a shirt button, lettering, hair)
  // all came from tiles and scored 0.62-0.70, real faces >= 0.79 there; at 0.7
  // the network still finds 99.5-100 % of LFW faces of 16-48 px (detect_eval).
  float tile_score_threshold = 0.7f;
  float nms_iou = 0.3f;                    // IoU above which candidates are merged
  // Smallest face (box side in original pixels) the pyramid is built to find.
  // Large photos are tiled at a resolution where such a face spans
  // MinFaceInNet() pixels of the network's input; 0 disables tiling (whole
  // image letterboxed only).
  int min_face_px = 64;
  // Overlap of neighbouring tiles in network pixels; 0 = automatic (the
  // largest face a fine level is responsible for, see PlanPyramid).
  int tile_overlap = 0;
  int max_tiles = 256;                     // bound on network runs per image
  // Which runtime runs the networks (inference.h); same detections to float rounding.
  InferenceBackend backend = DefaultInferenceBackend();
};

// The smallest face (detector box side, network pixels) the tiling relies on
// for a network of `input` pixels (20 for both BlazeFace models). Measured by `detect_eval scale` (LFW faces pasted at known
// sizes): 256-px model 99.5 % found at 16 px, 100 % at 20; 128-px model 95 % at
// 16, 100 % at 20 (docs/BENCHMARKS.md, "Face pipeline").
float MinFaceInNet(int input);

// One level of the detection pyramid: the image resized by `scale` (<= 1
// except level 0 of an image smaller than the input) and cut into `tiles` (rectangles of the resized image, each at most
// input x input, padded right/bottom when smaller). Level 0 is the whole image
// letterboxed into one input (its single tile may be smaller than input).
struct PyramidLevel {
  float scale = 1;
  cv::Size size;                 // the resized image
  std::vector<cv::Rect> tiles;   // in resized-image pixels
  float max_face_in_net = 0;     // faces larger than this (network px) are left to coarser levels; 0 = no limit
};

// The levels Detect runs for an image of `image` size: level 0 (whole image),
// then levels from coarse to fine, a factor 2 apart, the finest at the scale
// where options.min_face_px spans MinFaceInNet(input). Tiles overlap by the
// largest face a level keeps, so every face of a level's size range lies whole
// in at least one tile. Fine levels never upsample; at most options.max_tiles
// tiles in all.
std::vector<PyramidLevel> PlanPyramid(cv::Size image, int input, const DetectorOptions& options);

class FaceDetector {
 public:
  // Loads models/<options.model_id>.onnx with `instances` network copies.
  static StatusOr<std::unique_ptr<FaceDetector>> Open(const std::filesystem::path& model_dir,
                                                      const DetectorOptions& options, int instances);

  StatusOr<std::vector<FaceDetection>> Detect(const cv::Mat& bgr) const;

  const ModelInfo& model() const { return net_->info(); }
  // The small-image network, or nullptr when none is loaded.
  const ModelInfo* small_model() const { return small_net_ ? &small_net_->info() : nullptr; }
  // Images whose long side is at most this run the small network (0: never).
  int SmallImageMaxSide() const;
  const DetectorOptions& options() const { return options_; }

 private:
  FaceDetector(std::unique_ptr<Network> net, std::unique_ptr<Network> small_net, DetectorOptions options,
               int input_size, int small_input_size, int instances);
  // Runs `net` on one square patch of its input size; appends detections in
  // patch pixel coordinates.
  Status RunPatch(const Network& net, const cv::Mat& patch, std::vector<FaceDetection>* out) const;
  // The pyramid of `net` (input `n`) over the image.
  Status DetectWith(const Network& net, int n, const cv::Mat& bgr, std::vector<FaceDetection>* cands) const;

  std::unique_ptr<Network> net_;
  std::unique_ptr<Network> small_net_;  // may be null
  DetectorOptions options_;
  int input_size_;
  int small_input_size_;
  int instances_;                     // network copies = threads a large photo's tiles use
  std::vector<cv::Point2f> anchors_;  // centres, in [0,1] of the input
};

// MediaPipe's weighted NMS: candidates sorted by score; each kept face is the
// score-weighted mean of the candidates overlapping it by more than `iou`.
std::vector<FaceDetection> WeightedNms(std::vector<FaceDetection> candidates, float iou);

}  // namespace candor

#endif  // CANDOR_DETECTOR_H_
