// Copyright 2026 The Candor Authors.

#include "candor/pipeline.h"

#include <cmath>
#include <cstdlib>

#include "candor/align.h"
#include "candor/landmarker.h"
#include "common/hash.h"
#include "common/paths.h"
#include "pipeline/face_quality.h"

namespace candor {

std::string DefaultEmbedderId() { return kMobileFaceNet; }

StatusOr<std::unique_ptr<Pipeline>> Pipeline::Open(const PipelineOptions& options) {
  std::unique_ptr<Pipeline> p(new Pipeline());
  p->options_ = options;
  PipelineOptions& o = p->options_;
  if (o.model_dir.empty()) o.model_dir = ModelDir();
  if (o.embedder.empty()) {
    const char* env = std::getenv("CANDOR_EMBEDDER");
    o.embedder = (env && *env) ? env : DefaultEmbedderId();
  }
  if (o.threads < 1) o.threads = 1;
  CANDOR_ASSIGN_OR_RETURN(p->detector_, FaceDetector::Open(o.model_dir, o.detector, o.threads));
  if (o.use_mesh) {
    CANDOR_ASSIGN_OR_RETURN(p->landmarker_, Landmarker::Open(o.model_dir, o.threads));
  }
  EmbedderOptions eo;
  eo.model_id = o.embedder;
  eo.flip_average = o.flip_average;
  eo.instances = o.threads;
  CANDOR_ASSIGN_OR_RETURN(p->embedder_, Embedder::Open(o.model_dir, eo));
  return p;
}

std::string Pipeline::SettingsKey() const {
  const auto& o = options_;
  std::string small_det;  // "+hash" of the small-image detector, when one is loaded
  if (const ModelInfo* s = detector_->small_model()) small_det.append("+").append(s->onnx_sha256, 0, 16);
  std::string key = embedder_->model().id + ":" + embedder_->model().onnx_sha256.substr(0, 16) + ":det=" +
         detector_->model().onnx_sha256.substr(0, 16) + small_det + ":mesh=" +
         (landmarker_ ? std::to_string(o.mesh_passes) : "0") + ":flip=" + (o.flip_average ? "1" : "0") +
         ":minface=" + std::to_string(o.detector.min_face_px) + ":thr=" +
         std::to_string(o.detector.score_threshold);
  key.append(":align=").append(AlignmentId());  // separate appends: GCC 12 -Wrestrict false positive on one chain
  return key;
}

StatusOr<std::vector<Face>> Pipeline::Detect(const cv::Mat& bgr) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> dets, detector_->Detect(bgr));
  std::vector<Face> faces;
  faces.reserve(dets.size());
  for (const FaceDetection& d : dets) {
    Face f;
    if (landmarker_) {
      CANDOR_ASSIGN_OR_RETURN(f, landmarker_->Refine(bgr, d, options_.mesh_passes));
    } else {
      f = FaceFromDetection(d);
    }
    AssessFaceQuality(bgr, &f);
    faces.push_back(std::move(f));
  }
  return faces;
}

StatusOr<std::vector<Template>> Pipeline::Embed(const cv::Mat& bgr, std::span<const Face> faces) const {
  CANDOR_ASSIGN_OR_RETURN(auto vectors, embedder_->Embed(bgr, faces));
  CANDOR_ASSIGN_OR_RETURN(Sha256Digest digest, ParseHexDigest(embedder_->model().onnx_sha256));
  uint32_t flags = kTemplateL2Normalized | (options_.flip_average ? uint32_t{kTemplateFlipAveraged} : 0u);
  std::vector<Template> out;
  for (auto& v : vectors) {
    CANDOR_ASSIGN_OR_RETURN(Template t, MakeTemplate(embedder_->model().id, digest, std::move(v), flags));
    out.push_back(std::move(t));
  }
  return out;
}

StatusOr<std::vector<ProcessedFace>> Pipeline::Process(const cv::Mat& bgr) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<Face> faces, Detect(bgr));
  CANDOR_ASSIGN_OR_RETURN(std::vector<Template> templates, Embed(bgr, faces));
  std::vector<ProcessedFace> out(faces.size());
  for (size_t i = 0; i < faces.size(); ++i) {
    out[i].face = std::move(faces[i]);
    out[i].tmpl = std::move(templates[i]);
  }
  return out;
}

StatusOr<cv::Mat> Pipeline::Decode(std::span<const uint8_t> encoded) const {
  return DecodeImage(encoded, options_.decode);
}

StatusOr<cv::Mat> Pipeline::ReadFile(const std::filesystem::path& path) const {
  return ReadImage(path, options_.decode);
}

StatusOr<std::vector<ProcessedFace>> Pipeline::ProcessBytes(std::span<const uint8_t> encoded) const {
  CANDOR_ASSIGN_OR_RETURN(cv::Mat bgr, Decode(encoded));
  return Process(bgr);
}

StatusOr<std::vector<ProcessedFace>> Pipeline::ProcessFile(const std::filesystem::path& path) const {
  CANDOR_ASSIGN_OR_RETURN(cv::Mat bgr, ReadFile(path));
  return Process(bgr);
}

StatusOr<ProcessedFace> Pipeline::ProcessSingle(const cv::Mat& bgr) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> dets, detector_->Detect(bgr));
  if (dets.empty()) return NotFoundError("no face found");
  dets.resize(1);
  Face f;
  if (landmarker_) {
    CANDOR_ASSIGN_OR_RETURN(f, landmarker_->Refine(bgr, dets[0], options_.mesh_passes));
  } else {
    f = FaceFromDetection(dets[0]);
  }
  AssessFaceQuality(bgr, &f);
  CANDOR_ASSIGN_OR_RETURN(std::vector<Template> t, Embed(bgr, std::span<const Face>(&f, 1)));
  return ProcessedFace{std::move(f), std::move(t[0])};
}

}  // namespace candor
