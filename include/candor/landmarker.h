// Copyright 2026 The Candor Authors.
//
// Dense landmarks: MediaPipe facemesh (468 points) on a crop around each
// detected face, rotated upright by the detector's eye line, refined by a
// second pass on the crop the first mesh defines. Turns a FaceDetection into
// a candor::Face with precise five points (eye centres, nose tip, mouth
// corners) and the full mesh, in image coordinates.
//
// Errors: INVALID_ARGUMENT for an empty / non-BGR image; INTERNAL when the
// network fails. A mesh the network itself rejects (face flag < 0.5) leaves the
// detector's keypoints in place and `mesh` empty: a distinct outcome, not an error.
// Thread safety: Refine() may be called concurrently.

#ifndef CANDOR_LANDMARKER_H_
#define CANDOR_LANDMARKER_H_

#include <filesystem>
#include <memory>

#include <opencv2/core/mat.hpp>

#include "candor/detector.h"
#include "candor/face.h"
#include "candor/inference.h"

namespace candor {

// Facemesh indices used for the five points and dlib's chip alignment.
namespace mesh {
inline constexpr int kImageLeftEyeOuter = 33, kImageLeftEyeInner = 133;
inline constexpr int kImageRightEyeInner = 362, kImageRightEyeOuter = 263;
inline constexpr int kNoseTip = 1, kNoseBase = 2;
inline constexpr int kMouthImageLeft = 61, kMouthImageRight = 291;
}  // namespace mesh

// A Face built from the detector alone: eyes and nose from BlazeFace, both
// mouth corners estimated from its mouth centre and the eye line.
Face FaceFromDetection(const FaceDetection& d);

class Landmarker {
 public:
  static StatusOr<std::unique_ptr<Landmarker>> Open(const std::filesystem::path& model_dir,
                                                    int instances,
                                                    InferenceBackend backend = DefaultInferenceBackend());

  // Detection -> Face with mesh and five points; `passes` = 1 or 2. `fill`:
  // how the facemesh crop is filled where it reaches outside the image.
  StatusOr<Face> Refine(const cv::Mat& bgr, const FaceDetection& detection, int passes = 2,
                        OutsideFill fill = OutsideFill::kZero) const;

  const ModelInfo& model() const { return net_->info(); }

 private:
  explicit Landmarker(std::unique_ptr<Network> net) : net_(std::move(net)) {}
  // One facemesh run on the square crop centred at `centre`, side `side`,
  // rotated by `angle` (radians); returns the mesh in image coordinates and the face flag.
  Status RunOnce(const cv::Mat& bgr, cv::Point2f centre, float side, float angle, OutsideFill fill,
                 std::vector<cv::Point3f>* mesh, float* flag) const;

  std::unique_ptr<Network> net_;
};

}  // namespace candor

#endif  // CANDOR_LANDMARKER_H_
