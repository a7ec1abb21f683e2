// Copyright 2026 The Candor Authors.
//
// The per-image pipeline: decode -> detect every face -> landmarks (facemesh)
// -> quality -> align to the embedder's canonical crop -> embedding -> template.
//
//   auto pipeline = candor::Pipeline::Open({});          // models loaded once
//   auto faces = (*pipeline)->ProcessFile("probe.jpg");  // every face, largest first
//   for (const auto& f : *faces) use(f.face.box, f.face.quality.score, f.tmpl);
//
// Outcomes:
//   - no face in the image: an OK, empty vector (use ProcessSingle /
//     kNoFace when exactly one face is required: NOT_FOUND "no face found");
//   - undecodable or oversized input: the decoder's INVALID_ARGUMENT /
//     RESOURCE_EXHAUSTED, with a message a person can act on;
//   - missing models: NOT_FOUND from Open naming the file and scripts/setup.sh.
// No exception escapes.
//
// Thread safety: after Open, every method is const and may be called from any
// number of threads at once; `threads` network copies serve that many callers
// in parallel (further callers wait). Templates produced for the same input
// are bit-identical whatever the concurrency.

#ifndef CANDOR_PIPELINE_H_
#define CANDOR_PIPELINE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "candor/align.h"
#include "candor/detector.h"
#include "candor/embedder.h"
#include "candor/face.h"
#include "candor/image.h"
#include "candor/landmarker.h"
#include "candor/status.h"
#include "candor/template.h"

namespace candor {

// How the pipeline treats a face at or near the image border (a tightly
// cropped chip, a face at the edge of a photo). Measured in docs/ACCURACY.md,
// "Faces at the image border".
enum class BorderHandling {
  // Before 2026-12-05: the facemesh crop is filled with black and the aligned
  // crop with the edge pixels repeated where they reach outside the image; a
  // face is detected only in the image as given.
  kLegacy,
  // A face whose landmark context (1.5x its box) reaches outside the image is
  // detected again, centred in a window of twice its size whose outside part
  // is filled by `fill`; an image where no face is found is searched again
  // with a border of half its size added. The facemesh crop is filled the
  // same way; the aligned crop as `crop_fill` says.
  kReplicate,
  kReflect,
};

struct PipelineOptions {
  std::filesystem::path model_dir;   // empty: ModelDir() ($CANDOR_MODELS or models/)
  // Embedder id; empty: $CANDOR_EMBEDDER, else DefaultEmbedderId().
  std::string embedder;
  int threads = 1;                   // concurrent callers served in parallel
  // The runtime of every network (detector, facemesh, embedder); its
  // outputs equal OpenCV's to float rounding (inference.h). Default:
  // $CANDOR_INFERENCE, else the build's default.
  InferenceBackend inference = DefaultInferenceBackend();
  bool flip_average = true;          // embed the mirrored crop too
  bool use_mesh = true;              // facemesh landmarks (else BlazeFace keypoints)
  int mesh_passes = 2;
  BorderHandling border = BorderHandling::kReflect;
  // How the embedder's aligned crop is filled outside the image (kLegacy
  // always replicates the edge). Black, as InsightFace's own alignment
  // (norm_crop) fills the crops such models are trained on, measured best of
  // replicate / reflect / reflect-blur / black on tight LFW cuts
  // (docs/ACCURACY.md, "Faces at the image border").
  AlignBorder crop_fill = AlignBorder::kZero;
  DetectorOptions detector;
  DecodeLimits decode;
};

// The embedder used when neither the options nor $CANDOR_EMBEDDER name one
// (chosen by LFW measurement; see docs/ACCURACY.md).
std::string DefaultEmbedderId();

struct ProcessedFace {
  Face face;      // box, landmarks, mesh, quality, cut_by_border
  Template tmpl;  // L2-normalised embedding with model id + ONNX SHA-256
};

class Pipeline {
 public:
  static StatusOr<std::unique_ptr<Pipeline>> Open(const PipelineOptions& options);

  // Every face with landmarks and quality, largest first. `bgr` is an upright CV_8UC3 image.
  StatusOr<std::vector<Face>> Detect(const cv::Mat& bgr) const;

  // Detect + align + embed every face, largest first.
  StatusOr<std::vector<ProcessedFace>> Process(const cv::Mat& bgr) const;
  StatusOr<std::vector<ProcessedFace>> ProcessBytes(std::span<const uint8_t> encoded) const;
  StatusOr<std::vector<ProcessedFace>> ProcessFile(const std::filesystem::path& path) const;

  // The largest face only; NOT_FOUND "no face found" when there is none.
  StatusOr<ProcessedFace> ProcessSingle(const cv::Mat& bgr) const;

  // Decodes with this pipeline's limits.
  StatusOr<cv::Mat> Decode(std::span<const uint8_t> encoded) const;
  StatusOr<cv::Mat> ReadFile(const std::filesystem::path& path) const;

  // Embeds faces the caller already has (e.g. from Detect).
  StatusOr<std::vector<Template>> Embed(const cv::Mat& bgr, std::span<const Face> faces) const;

  const ModelInfo& embedder_model() const { return embedder_->model(); }
  const ModelInfo& detector_model() const { return detector_->model(); }
  const Embedder& embedder() const { return *embedder_; }
  const PipelineOptions& options() const { return options_; }
  // A string naming every setting that changes templates (for caches).
  std::string SettingsKey() const;

 private:
  Pipeline() = default;

  // The detector's faces with the border handling of options_.border applied.
  StatusOr<std::vector<FaceDetection>> DetectFaces(const cv::Mat& bgr) const;
  // One detection -> Face (landmarks, quality).
  StatusOr<Face> Describe(const cv::Mat& bgr, const FaceDetection& d) const;

  PipelineOptions options_;
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<Landmarker> landmarker_;
  std::unique_ptr<Embedder> embedder_;
};

}  // namespace candor

#endif  // CANDOR_PIPELINE_H_
