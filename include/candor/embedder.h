// Copyright 2026 The Candor Authors.
//
// Face descriptors behind one interface. Two models are supported:
//  - "mobilefacenet"  (192-D): ArcFace 112x112 crop, RGB (x - 127.5) / 128.
//    Training data unconfirmed (probably MS1M, research-only terms).
//  - "faceapi-resnet" (128-D): the face-api port of dlib's ResNet, dlib's
//    150-px chip, (RGB - [122.782, 117.001, 104.298]) / 255. dlib's weights
//    are public domain: the licence-clean choice.
//  - "fusion" (320-D): both of the above, each aligned to its own crop, in one
//    template: [sqrt(w_m) * e_m, sqrt(w_r) * e_r] with w_m + w_r = 1, so the
//    dot product of two fused templates is w_m * cos_m + w_r * cos_r (the
//    score-level fusion of the two descriptors, searchable by the same exact
//    index). The weights are fixed (kFusionWeights; how they were chosen is in
//    docs/models/fusion.md); its model hash covers both networks and the weights.
//    Not licence-clean: it contains MobileFaceNet.
// Outputs are L2-normalised float vectors; similarity is their dot product
// (cosine). With flip_average the mirrored crop is embedded too and the two
// vectors averaged before normalisation.
//
// Errors: NOT_FOUND when the model file is missing (run scripts/setup.sh);
// INVALID_ARGUMENT for an unknown model id, empty image or degenerate landmarks;
// INTERNAL when the network fails.
// Thread safety: all methods are const and may be called concurrently.

#ifndef CANDOR_EMBEDDER_H_
#define CANDOR_EMBEDDER_H_

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "candor/align.h"
#include "candor/face.h"
#include "candor/inference.h"

namespace candor {

inline constexpr const char* kMobileFaceNet = "mobilefacenet";
inline constexpr const char* kFaceApiResNet = "faceapi-resnet";
inline constexpr const char* kFusion = "fusion";

// The fusion's parts and their weights on cosine scores (sum 1): each weight is
// proportional to 1 / (standard deviation of that model's impostor scores) on
// the calibration identities of the calibration files of 2026-11-22 (LFW View-2
// images; MobileFaceNet 0.1443, face-api ResNet 0.0344), i.e. a z-normalised sum.
// Fixed before any LFW 10-fold run of the fusion; changing them changes the
// model hash, so old fused templates and calibrations are refused, not misread.
inline constexpr const char* kFusionParts[2] = {kMobileFaceNet, kFaceApiResNet};
inline constexpr double kFusionWeights[2] = {0.1925, 0.8075};

struct EmbedderOptions {
  std::string model_id = kMobileFaceNet;
  bool flip_average = true;
  AlignBorder border = AlignBorder::kReplicate;
  int instances = 1;  // loaded network copies = concurrent callers served in parallel
  // Faces per network run (with flip_average each run also carries their
  // mirrors). 1: OpenCV 4.6 DNN is no faster per face at larger batches
  // (bench/converted_descriptors_bench, pipeline_bench: MobileFaceNet 13.2 ms
  // CPU per face at 1, 16.8 at 16; docs/BENCHMARKS.md), and a small batch
  // keeps latency per face low.
  int max_batch = 1;
  // Which runtime runs the network (inference.h); same templates to float rounding.
  InferenceBackend backend = DefaultInferenceBackend();
};

class Embedder {
 public:
  static StatusOr<std::unique_ptr<Embedder>> Open(const std::filesystem::path& model_dir,
                                                  const EmbedderOptions& options);

  // The aligned crop this embedder uses for `face` (empty when degenerate); for
  // the fusion, its first part's crop.
  cv::Mat Align(const cv::Mat& bgr, const Face& face) const;

  // Embeds already aligned crops (each CropSize x CropSize, 8-bit BGR).
  // INVALID_ARGUMENT for the fusion, whose parts need crops of their own: use Embed.
  StatusOr<std::vector<std::vector<float>>> EmbedCrops(const std::vector<cv::Mat>& crops) const;

  // Aligns and embeds every face of `bgr`; one vector per face, in order.
  StatusOr<std::vector<std::vector<float>>> Embed(const cv::Mat& bgr, std::span<const Face> faces) const;

  // For the fusion: id "fusion", version naming both parts and the weights,
  // onnx_sha256 = SHA-256 of that version string and both parts' ONNX hashes.
  const ModelInfo& model() const { return net_ ? net_->info() : fused_info_; }
  const EmbedderOptions& options() const { return options_; }
  int dim() const { return dim_; }
  CanonicalCrop crop() const { return crop_; }

 private:
  Embedder(std::unique_ptr<Network> net, EmbedderOptions options, CanonicalCrop crop, int dim,
           cv::Scalar mean, cv::Scalar scale);
  static StatusOr<std::unique_ptr<Embedder>> OpenFusion(const std::filesystem::path& model_dir,
                                                        const EmbedderOptions& options);

  std::unique_ptr<Network> net_;                  // null for the fusion
  std::vector<std::unique_ptr<Embedder>> parts_;  // the fusion's parts
  ModelInfo fused_info_;
  EmbedderOptions options_;
  CanonicalCrop crop_;
  int dim_;
  cv::Scalar mean_, scale_;
};

// Cosine similarity of two L2-normalised vectors of equal size (0 when sizes differ).
float CosineSimilarity(std::span<const float> a, std::span<const float> b);

}  // namespace candor

#endif  // CANDOR_EMBEDDER_H_
