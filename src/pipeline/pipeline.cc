// Copyright 2026 The Candor Authors.

#include "candor/pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "candor/align.h"
#include "candor/landmarker.h"
#include "common/hash.h"
#include "common/paths.h"
#include "pipeline/face_quality.h"

namespace candor {
namespace {

int CvBorder(BorderHandling b) {
  return b == BorderHandling::kReplicate ? cv::BORDER_REPLICATE : cv::BORDER_REFLECT_101;
}

float Iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

// As FaceDetector::Detect marks it: the box extends past the image by more
// than 2 % of its size.
bool CutByBorder(const cv::Rect2f& b, cv::Size size) {
  const float tol = 0.02f * std::max(b.width, b.height);
  return b.x < -tol || b.y < -tol || b.br().x > size.width + tol || b.br().y > size.height + tol;
}

// `d` found in an image that was cut from ours at `origin` and scaled by
// `scale` (patch = scale * (image - origin)): back into our coordinates.
FaceDetection FromPatch(FaceDetection d, cv::Point2f origin, float scale, cv::Size size) {
  const float inv = 1.f / scale;
  d.box = cv::Rect2f(d.box.x * inv + origin.x, d.box.y * inv + origin.y, d.box.width * inv,
                     d.box.height * inv);
  for (auto& k : d.keypoints) k = k * inv + origin;
  d.cut_by_border = CutByBorder(d.box, size);
  return d;
}

// `bgr` cut to `want` (which may reach outside it), the outside filled by
// `border`, resized so its long side is at most `max_side`; *scale set.
cv::Mat Window(const cv::Mat& bgr, const cv::Rect& want, int border, int max_side, float* scale) {
  const cv::Rect inside = want & cv::Rect(0, 0, bgr.cols, bgr.rows);
  cv::Mat w;
  // bgr(inside) is a view: copyMakeBorder extrapolates only where the image ends.
  cv::copyMakeBorder(bgr(inside), w, inside.y - want.y, want.br().y - inside.br().y, inside.x - want.x,
                     want.br().x - inside.br().x, border);
  *scale = 1.f;
  const int long_side = std::max(w.cols, w.rows);
  if (long_side > max_side) {
    *scale = static_cast<float>(max_side) / long_side;
    cv::resize(w, w, cv::Size(), *scale, *scale, cv::INTER_AREA);
  }
  return w;
}

}  // namespace

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
  o.detector.backend = o.inference;
  CANDOR_ASSIGN_OR_RETURN(p->detector_, FaceDetector::Open(o.model_dir, o.detector, o.threads));
  if (o.use_mesh) {
    CANDOR_ASSIGN_OR_RETURN(p->landmarker_, Landmarker::Open(o.model_dir, o.threads, o.inference));
  }
  EmbedderOptions eo;
  eo.model_id = o.embedder;
  eo.flip_average = o.flip_average;
  eo.instances = o.threads;
  eo.backend = o.inference;
  eo.border = o.border == BorderHandling::kLegacy ? AlignBorder::kReplicate : o.crop_fill;
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
  key.append(":align=").append(AlignmentId());
  // The oneDNN back end's templates equal OpenCV's to float rounding, not
  // bit for bit: caches keep them apart (OpenCV's keys are unchanged).
  if (o.inference != InferenceBackend::kOpenCv) key.append(":inf=").append(InferenceBackendName(o.inference));  // separate appends: GCC 12 -Wrestrict false positive on one chain
  if (o.border != BorderHandling::kLegacy) {
    key.append(o.border == BorderHandling::kReflect ? ":border=reflect2" : ":border=replicate2");
    const char* fills[] = {"replicate", "zero", "reflect", "reflect-blur", "grey"};
    key.append(",crop=").append(fills[static_cast<int>(o.crop_fill)]);
  }
  return key;
}

StatusOr<std::vector<FaceDetection>> Pipeline::DetectFaces(const cv::Mat& bgr) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> dets, detector_->Detect(bgr));
  if (options_.border == BorderHandling::kLegacy) return dets;
  const int border = CvBorder(options_.border);
  // Windows are shrunk to this long side before detection: a face then spans
  // half of it, well inside what the small-image network sees whole.
  constexpr int kWindowSide = 256;
  if (dets.empty()) {
    // Perhaps a face filling the frame (a tight chip): look again with a
    // border of half the image's long side (at most 512 px) added.
    const int pad = std::min(512, std::max(bgr.cols, bgr.rows) / 2);
    const cv::Rect want(-pad, -pad, bgr.cols + 2 * pad, bgr.rows + 2 * pad);
    float scale = 1.f;
    const cv::Mat w = Window(bgr, want, border, std::max(kWindowSide, std::max(want.width, want.height) / 4),
                             &scale);
    CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> found, detector_->Detect(w));
    const cv::Rect2f image(0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
    for (const FaceDetection& f : found) {
      FaceDetection d = FromPatch(f, cv::Point2f(want.tl()), scale, bgr.size());
      const cv::Point2f c(d.box.x + d.box.width / 2, d.box.y + d.box.height / 2);
      if (image.contains(c)) dets.push_back(d);  // a mirrored ghost lies outside
    }
    return dets;
  }
  for (FaceDetection& d : dets) {
    if (!FaceNearBorder(d.box, bgr.size())) continue;
    // Detect this face again, centred in a window of twice its size: the
    // detector then sees it whole and surrounded, as in training.
    const float side = 2.f * std::max(d.box.width, d.box.height);
    const cv::Rect want(static_cast<int>(std::lround(d.box.x + d.box.width / 2 - side / 2)),
                        static_cast<int>(std::lround(d.box.y + d.box.height / 2 - side / 2)),
                        static_cast<int>(std::lround(side)), static_cast<int>(std::lround(side)));
    if ((want & cv::Rect(0, 0, bgr.cols, bgr.rows)).empty()) continue;
    float scale = 1.f;
    const cv::Mat w = Window(bgr, want, border, kWindowSide, &scale);
    CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> found, detector_->Detect(w));
    float best = 0.3f;  // the same face: IoU above the detector's NMS threshold
    for (const FaceDetection& f : found) {
      FaceDetection c = FromPatch(f, cv::Point2f(want.tl()), scale, bgr.size());
      const float iou = Iou(c.box, d.box);
      if (iou > best) best = iou, d = c;
    }
  }
  std::stable_sort(dets.begin(), dets.end(), [](const FaceDetection& a, const FaceDetection& b) {
    return a.box.area() > b.box.area();
  });
  return dets;
}

StatusOr<Face> Pipeline::Describe(const cv::Mat& bgr, const FaceDetection& d) const {
  Face f;
  if (landmarker_) {
    const OutsideFill fill = options_.border == BorderHandling::kLegacy      ? OutsideFill::kZero
                             : options_.border == BorderHandling::kReplicate ? OutsideFill::kReplicate
                                                                             : OutsideFill::kReflect;
    CANDOR_ASSIGN_OR_RETURN(f, landmarker_->Refine(bgr, d, options_.mesh_passes, fill));
  } else {
    f = FaceFromDetection(d);
  }
  AssessFaceQuality(bgr, &f);
  return f;
}

StatusOr<std::vector<Face>> Pipeline::Detect(const cv::Mat& bgr) const {
  CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> dets, DetectFaces(bgr));
  std::vector<Face> faces;
  faces.reserve(dets.size());
  for (const FaceDetection& d : dets) {
    CANDOR_ASSIGN_OR_RETURN(Face f, Describe(bgr, d));
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
  CANDOR_ASSIGN_OR_RETURN(std::vector<FaceDetection> dets, DetectFaces(bgr));
  if (dets.empty()) return NotFoundError("no face found");
  CANDOR_ASSIGN_OR_RETURN(Face f, Describe(bgr, dets[0]));
  CANDOR_ASSIGN_OR_RETURN(std::vector<Template> t, Embed(bgr, std::span<const Face>(&f, 1)));
  return ProcessedFace{std::move(f), std::move(t[0])};
}

}  // namespace candor
