// Copyright 2026 The Candor Authors.
//
// Facemesh ROI as in MediaPipe's face_landmark_front graph: a square of 1.5x
// the face's size, rotated so the eye line is horizontal; the second pass
// takes the ROI from the first mesh's bounding box (rotation from points 33
// and 263), which is what MediaPipe's tracking does frame to frame.

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "candor/landmarker.h"

namespace candor {
namespace {

constexpr int kMeshPoints = 468;
constexpr int kInput = 192;
constexpr float kRoiScale = 1.5f;

const int kImageLeftEyeRing[] = {33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173};
const int kImageRightEyeRing[] = {263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398};

cv::Point2f MeanOf(const std::vector<cv::Point3f>& m, const int* idx, int n) {
  cv::Point2f s(0, 0);
  for (int i = 0; i < n; ++i) s += cv::Point2f(m[idx[i]].x, m[idx[i]].y);
  return s / static_cast<float>(n);
}

cv::Point2f P2(const cv::Point3f& p) { return {p.x, p.y}; }

}  // namespace

Face FaceFromDetection(const FaceDetection& d) {
  Face f;
  f.box = d.box;
  f.detector_score = d.score;
  f.cut_by_border = d.cut_by_border;
  const cv::Point2f le = d.keypoints[kDetImageLeftEye], re = d.keypoints[kDetImageRightEye];
  f.landmarks[kImageLeftEye] = le;
  f.landmarks[kImageRightEye] = re;
  f.landmarks[kNoseTip] = d.keypoints[kDetNoseTip];
  // Mouth corners: the mouth centre +- 0.42 of the eye vector (ArcFace template ratio).
  const cv::Point2f half = (re - le) * (0.5f * 29.18f / 35.24f);
  f.landmarks[kMouthImageLeft] = d.keypoints[kDetMouthCentre] - half;
  f.landmarks[kMouthImageRight] = d.keypoints[kDetMouthCentre] + half;
  return f;
}

StatusOr<std::unique_ptr<Landmarker>> Landmarker::Open(const std::filesystem::path& model_dir,
                                                       int instances, InferenceBackend backend) {
  CANDOR_ASSIGN_OR_RETURN(ModelInfo info, LoadModelInfo(model_dir, "facemesh-468"));
  info.input_h = info.input_w = kInput;
  CANDOR_ASSIGN_OR_RETURN(auto net, OpenNetwork(info, instances, backend));
  return std::unique_ptr<Landmarker>(new Landmarker(std::move(net)));
}

Status Landmarker::RunOnce(const cv::Mat& bgr, cv::Point2f centre, float side, float angle,
                           OutsideFill fill, std::vector<cv::Point3f>* mesh, float* flag) const {
  // Affine map from crop pixels (u, v) to image: centre + R(angle) * ((u/192 - 0.5) * side, ...).
  const float c = std::cos(angle), s = std::sin(angle), k = side / kInput;
  cv::Matx23f crop_to_img(c * k, -s * k, centre.x - (c * k * kInput / 2 - s * k * kInput / 2),
                          s * k, c * k, centre.y - (s * k * kInput / 2 + c * k * kInput / 2));
  cv::Mat crop;
  cv::warpAffine(bgr, crop, cv::Mat(crop_to_img), cv::Size(kInput, kInput),
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 fill == OutsideFill::kReflect     ? cv::BORDER_REFLECT_101
                 : fill == OutsideFill::kReplicate ? cv::BORDER_REPLICATE
                                                   : cv::BORDER_CONSTANT);
  cv::Mat blob = MakeRgbBlob({crop}, cv::Scalar::all(0), cv::Scalar::all(1.0 / 255));
  CANDOR_ASSIGN_OR_RETURN(std::vector<cv::Mat> outs, net_->Run(blob));
  const float* pts = nullptr;
  *flag = 1.f;
  for (const cv::Mat& m : outs) {
    if (m.total() == kMeshPoints * 3) pts = m.ptr<float>();
    if (m.total() == 1) *flag = m.at<float>(0);
  }
  if (!pts) return InternalError("facemesh: unexpected output shapes");
  if (*flag < 0.f || *flag > 1.f) *flag = 1.f / (1.f + std::exp(-*flag));
  mesh->resize(kMeshPoints);
  for (int i = 0; i < kMeshPoints; ++i) {
    const float u = pts[3 * i], v = pts[3 * i + 1], z = pts[3 * i + 2];
    (*mesh)[i] = cv::Point3f(crop_to_img(0, 0) * u + crop_to_img(0, 1) * v + crop_to_img(0, 2),
                             crop_to_img(1, 0) * u + crop_to_img(1, 1) * v + crop_to_img(1, 2), z * k);
  }
  return OkStatus();
}

StatusOr<Face> Landmarker::Refine(const cv::Mat& bgr, const FaceDetection& d, int passes,
                                  OutsideFill fill) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return InvalidArgumentError("landmarker expects a non-empty 8-bit BGR image");
  }
  Face face = FaceFromDetection(d);
  const cv::Point2f eye_vec = d.keypoints[kDetImageRightEye] - d.keypoints[kDetImageLeftEye];
  float angle = std::atan2(eye_vec.y, eye_vec.x);
  cv::Point2f centre(d.box.x + d.box.width / 2, d.box.y + d.box.height / 2);
  float side = kRoiScale * std::max(d.box.width, d.box.height);
  std::vector<cv::Point3f> mesh;
  float flag = 0;
  for (int pass = 0; pass < std::max(1, passes); ++pass) {
    CANDOR_RETURN_IF_ERROR(RunOnce(bgr, centre, side, angle, fill, &mesh, &flag));
    if (flag < 0.5f) break;
    if (pass + 1 < passes) {
      // Next ROI: the mesh's bounding box in the frame rotated by the mesh eye line.
      const cv::Point2f ev = P2(mesh[mesh::kImageRightEyeOuter]) - P2(mesh[mesh::kImageLeftEyeOuter]);
      angle = std::atan2(ev.y, ev.x);
      const float c = std::cos(angle), s = std::sin(angle);
      float minu = 1e9f, maxu = -1e9f, minv = 1e9f, maxv = -1e9f;
      for (const auto& p : mesh) {
        const float u = c * p.x + s * p.y, v = -s * p.x + c * p.y;
        minu = std::min(minu, u), maxu = std::max(maxu, u);
        minv = std::min(minv, v), maxv = std::max(maxv, v);
      }
      const float cu = (minu + maxu) / 2, cv_ = (minv + maxv) / 2;
      centre = cv::Point2f(c * cu - s * cv_, s * cu + c * cv_);
      side = kRoiScale * std::max(maxu - minu, maxv - minv);
    }
  }
  if (flag < 0.5f) return face;  // keep the detector's points
  face.mesh = mesh;
  face.landmarks[kImageLeftEye] = MeanOf(mesh, kImageLeftEyeRing, 16);
  face.landmarks[kImageRightEye] = MeanOf(mesh, kImageRightEyeRing, 16);
  face.landmarks[kNoseTip] = P2(mesh[mesh::kNoseTip]);
  face.landmarks[kMouthImageLeft] = P2(mesh[mesh::kMouthImageLeft]);
  face.landmarks[kMouthImageRight] = P2(mesh[mesh::kMouthImageRight]);
  return face;
}

}  // namespace candor
