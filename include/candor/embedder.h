// Copyright 2026 The Candor Authors.
//
// Face descriptors behind one interface. Two models are supported:
//  - "mobilefacenet"  (192-D): ArcFace 112x112 crop, RGB (x - 127.5) / 128.
//    Training data unconfirmed (probably MS1M, research-only terms).
//  - "faceapi-resnet" (128-D): the face-api port of dlib's ResNet, dlib's
//    150-px chip, (RGB - [122.782, 117.001, 104.298]) / 255. dlib's weights
//    are public domain: the licence-clean choice.
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
};

class Embedder {
 public:
  static StatusOr<std::unique_ptr<Embedder>> Open(const std::filesystem::path& model_dir,
                                                  const EmbedderOptions& options);

  // The aligned crop this embedder uses for `face` (empty when degenerate).
  cv::Mat Align(const cv::Mat& bgr, const Face& face) const;

  // Embeds already aligned crops (each CropSize x CropSize, 8-bit BGR).
  StatusOr<std::vector<std::vector<float>>> EmbedCrops(const std::vector<cv::Mat>& crops) const;

  // Aligns and embeds every face of `bgr`; one vector per face, in order.
  StatusOr<std::vector<std::vector<float>>> Embed(const cv::Mat& bgr, std::span<const Face> faces) const;

  const ModelInfo& model() const { return net_->info(); }
  const EmbedderOptions& options() const { return options_; }
  int dim() const { return dim_; }
  CanonicalCrop crop() const { return crop_; }

 private:
  Embedder(std::unique_ptr<Network> net, EmbedderOptions options, CanonicalCrop crop, int dim,
           cv::Scalar mean, cv::Scalar scale);

  std::unique_ptr<Network> net_;
  EmbedderOptions options_;
  CanonicalCrop crop_;
  int dim_;
  cv::Scalar mean_, scale_;
};

// Cosine similarity of two L2-normalised vectors of equal size (0 when sizes differ).
float CosineSimilarity(std::span<const float> a, std::span<const float> b);

}  // namespace candor

#endif  // CANDOR_EMBEDDER_H_
