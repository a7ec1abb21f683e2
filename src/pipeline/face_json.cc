// Copyright 2026 The Candor Authors.

#include "pipeline/face_json.h"

#include <cmath>

namespace candor {
namespace {

double R(double v, double digits = 100) { return std::round(v * digits) / digits; }
nlohmann::json Pt(cv::Point2f p) { return {R(p.x), R(p.y)}; }

}  // namespace

nlohmann::json FaceToJson(const Face& f, bool include_mesh) {
  nlohmann::json j;
  j["box"] = {{"x", R(f.box.x)}, {"y", R(f.box.y)}, {"width", R(f.box.width)}, {"height", R(f.box.height)}};
  j["score"] = R(f.detector_score, 1e4);
  j["cut_by_border"] = f.cut_by_border;
  j["face_near_border"] = f.near_border;
  j["landmarks"] = {{"image_left_eye", Pt(f.landmarks[kImageLeftEye])},
                    {"image_right_eye", Pt(f.landmarks[kImageRightEye])},
                    {"nose_tip", Pt(f.landmarks[kNoseTip])},
                    {"mouth_image_left", Pt(f.landmarks[kMouthImageLeft])},
                    {"mouth_image_right", Pt(f.landmarks[kMouthImageRight])}};
  j["mesh_points"] = f.mesh.size();
  if (include_mesh) {
    nlohmann::json m = nlohmann::json::array();
    for (const auto& p : f.mesh) m.push_back({R(p.x), R(p.y), R(p.z)});
    j["mesh"] = m;
  }
  const FaceQuality& q = f.quality;
  j["quality"] = {{"score", q.score},          {"inter_eye_px", R(q.inter_eye_px)},
                  {"sharpness", R(q.sharpness, 1e3)}, {"yaw_deg", R(q.yaw_deg, 10)},
                  {"pitch_deg", R(q.pitch_deg, 10)}, {"roll_deg", R(q.roll_deg, 10)},
                  {"brightness", R(q.brightness, 10)}, {"contrast", R(q.contrast, 10)},
                  {"clipped", R(q.clipped, 1e4)},  {"issues", q.issues}};
  return j;
}

nlohmann::json ModelToJson(const ModelInfo& m) {
  return {{"id", m.id}, {"version", m.version}, {"onnx_sha256", m.onnx_sha256},
          {"file", m.onnx_path.string()}, {"licence", m.licence}};
}

}  // namespace candor
