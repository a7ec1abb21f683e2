// Copyright 2026 The Candor Authors.

#include "candor/embedder.h"

#include <cmath>
#include <cstdio>

#include <opencv2/core.hpp>

#include "common/hash.h"

namespace candor {
namespace {

void Normalise(std::vector<float>* v) {
  double s = 0;
  for (float x : *v) s += double(x) * x;
  const float inv = s > 0 ? static_cast<float>(1.0 / std::sqrt(s)) : 0.f;
  for (float& x : *v) x *= inv;
}

}  // namespace

float CosineSimilarity(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return 0.f;
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return static_cast<float>(s);
}

Embedder::Embedder(std::unique_ptr<Network> net, EmbedderOptions options, CanonicalCrop crop, int dim,
                   cv::Scalar mean, cv::Scalar scale)
    : net_(std::move(net)), options_(std::move(options)), crop_(crop), dim_(dim), mean_(mean),
      scale_(scale) {}

StatusOr<std::unique_ptr<Embedder>> Embedder::Open(const std::filesystem::path& model_dir,
                                                   const EmbedderOptions& options) {
  CanonicalCrop crop;
  int dim;
  cv::Scalar mean, scale;
  if (options.model_id == kMobileFaceNet) {
    crop = CanonicalCrop::kArcFace112, dim = 192;
    mean = cv::Scalar::all(127.5), scale = cv::Scalar::all(1.0 / 128);
  } else if (options.model_id == kFaceApiResNet) {
    crop = CanonicalCrop::kDlibChip150, dim = 128;
    mean = cv::Scalar(122.782, 117.001, 104.298), scale = cv::Scalar::all(1.0 / 255);
  } else if (options.model_id == kFusion) {
    return OpenFusion(model_dir, options);
  } else {
    return InvalidArgumentError("unknown embedder '" + options.model_id + "' (known: " +
                                kMobileFaceNet + ", " + kFaceApiResNet + ", " + kFusion + ")");
  }
  CANDOR_ASSIGN_OR_RETURN(ModelInfo info, LoadModelInfo(model_dir, options.model_id));
  info.input_h = info.input_w = CropSize(crop);
  CANDOR_ASSIGN_OR_RETURN(auto net, OpenNetwork(info, std::max(1, options.instances), options.backend));
  return std::unique_ptr<Embedder>(new Embedder(std::move(net), options, crop, dim, mean, scale));
}

StatusOr<std::unique_ptr<Embedder>> Embedder::OpenFusion(const std::filesystem::path& model_dir,
                                                         const EmbedderOptions& options) {
  std::unique_ptr<Embedder> e(
      new Embedder(nullptr, options, CanonicalCrop::kArcFace112, 0, cv::Scalar(), cv::Scalar()));
  std::string version;
  std::string hashes;
  for (int i = 0; i < 2; ++i) {
    EmbedderOptions po = options;
    po.model_id = kFusionParts[i];
    CANDOR_ASSIGN_OR_RETURN(auto part, Open(model_dir, po));
    char w[32];
    std::snprintf(w, sizeof w, "%.4f", kFusionWeights[i]);
    version += std::string(i ? " + " : "") + w + " x " + part->model().id + "@" +
               (part->model().version.empty() ? "?" : part->model().version);
    hashes += part->model().onnx_sha256;
    e->dim_ += part->dim();
    e->parts_.push_back(std::move(part));
  }
  e->crop_ = e->parts_[0]->crop();
  e->fused_info_.id = kFusion;
  e->fused_info_.version = version;
  e->fused_info_.onnx_sha256 = HexDigest(Sha256(version + "\n" + hashes));
  e->fused_info_.licence = "contains MobileFaceNet (training data unconfirmed; see docs/models/fusion.md)";
  return e;
}

cv::Mat Embedder::Align(const cv::Mat& bgr, const Face& face) const {
  if (!parts_.empty()) return parts_[0]->Align(bgr, face);
  return AlignFace(bgr, face, crop_, options_.border);
}

StatusOr<std::vector<std::vector<float>>> Embedder::EmbedCrops(const std::vector<cv::Mat>& crops) const {
  if (!parts_.empty()) {
    return InvalidArgumentError("the fusion embedder aligns a crop per part: use Embed");
  }
  const int size = CropSize(crop_);
  for (const cv::Mat& c : crops) {
    if (c.rows != size || c.cols != size || c.type() != CV_8UC3) {
      return InvalidArgumentError("embedder " + options_.model_id + " expects " + std::to_string(size) +
                                  "x" + std::to_string(size) + " BGR crops");
    }
  }
  std::vector<std::vector<float>> result;
  const size_t batch = std::max(1, options_.max_batch);
  for (size_t start = 0; start < crops.size(); start += batch) {
    const size_t end = std::min(crops.size(), start + batch);
    std::vector<cv::Mat> in(crops.begin() + start, crops.begin() + end);
    const size_t n = in.size();
    if (options_.flip_average) {
      for (size_t i = 0; i < n; ++i) {
        cv::Mat f;
        cv::flip(in[i], f, 1);
        in.push_back(f);
      }
    }
    CANDOR_ASSIGN_OR_RETURN(std::vector<cv::Mat> outs, net_->Run(MakeRgbBlob(in, mean_, scale_)));
    const cv::Mat* out = nullptr;
    for (const cv::Mat& m : outs) {
      if (m.total() == in.size() * static_cast<size_t>(dim_)) out = &m;
    }
    if (!out) return InternalError("embedder " + options_.model_id + ": unexpected output shape");
    const float* p = out->ptr<float>();
    for (size_t i = 0; i < n; ++i) {
      std::vector<float> v(p + i * dim_, p + (i + 1) * dim_);
      if (options_.flip_average) {
        std::vector<float> a = v, b(p + (i + n) * dim_, p + (i + n + 1) * dim_);
        Normalise(&a);
        Normalise(&b);
        for (int k = 0; k < dim_; ++k) v[k] = a[k] + b[k];
      }
      Normalise(&v);
      result.push_back(std::move(v));
    }
  }
  return result;
}

StatusOr<std::vector<std::vector<float>>> Embedder::Embed(const cv::Mat& bgr,
                                                          std::span<const Face> faces) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    return InvalidArgumentError("embedder expects a non-empty 8-bit BGR image");
  }
  if (!parts_.empty()) {
    std::vector<std::vector<float>> fused(faces.size());
    for (size_t p = 0; p < parts_.size(); ++p) {
      CANDOR_ASSIGN_OR_RETURN(auto vs, parts_[p]->Embed(bgr, faces));
      const float w = static_cast<float>(std::sqrt(kFusionWeights[p]));
      for (size_t i = 0; i < vs.size(); ++i) {
        for (float x : vs[i]) fused[i].push_back(w * x);
      }
    }
    for (auto& v : fused) Normalise(&v);  // already unit length up to rounding
    return fused;
  }
  std::vector<cv::Mat> crops;
  for (const Face& f : faces) {
    cv::Mat c = Align(bgr, f);
    if (c.empty()) return InvalidArgumentError("degenerate landmarks: cannot align the face");
    crops.push_back(std::move(c));
  }
  return EmbedCrops(crops);
}

}  // namespace candor
