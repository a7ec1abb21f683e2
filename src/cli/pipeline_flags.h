// Copyright 2026 The Candor Authors.
//
// The pipeline settings shared by the face commands (detect, embed, compare,
// eval, demo): one place so every command spells them the same way.
//   --model ID        embedder: mobilefacenet | faceapi-resnet | fusion (else $CANDOR_EMBEDDER, else the default)
//   --models DIR      converted models (else $CANDOR_MODELS, else models/)
//   --threads N       concurrent workers (network copies)
//   --no-flip         do not average with the mirrored crop
//   --no-mesh         BlazeFace keypoints only (no facemesh landmarks)
//   --mesh-passes N   facemesh passes (1 or 2; the second refines on the first's landmarks)
//   --min-face PX     smallest face the detector's tiling looks for (0: no tiling)
//   --max-pixels N    decompression-bomb guard
//   --inference B     network runtime: opencv | onednn (else $CANDOR_INFERENCE, else the build's default)
// Header-only; used only by the CLI.

#ifndef CANDOR_CLI_PIPELINE_FLAGS_H_
#define CANDOR_CLI_PIPELINE_FLAGS_H_

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "candor/pipeline.h"
#include "common/paths.h"

namespace candor::cli {

struct PipelineFlags {
  std::string model;
  std::string models_dir;
  int threads = 1;
  bool no_flip = false;
  bool no_mesh = false;
  int mesh_passes = PipelineOptions().mesh_passes;
  int min_face_px = DetectorOptions().min_face_px;
  uint64_t max_pixels = DecodeLimits().max_pixels;
  std::string inference;  // empty: DefaultInferenceBackend()
};

// with_model = false: the command defines its own --model.
inline void AddPipelineFlags(CLI::App& sub, PipelineFlags* f, bool with_model = true) {
  if (with_model) {
    sub.add_option("--model", f->model,
                   "Embedder: mobilefacenet, faceapi-resnet (licence-clean) or fusion (both); "
                   "default $CANDOR_EMBEDDER, else " + DefaultEmbedderId());
  }
  sub.add_option("--models", f->models_dir, "Directory of converted models (default $CANDOR_MODELS or models/)");
  sub.add_option("--threads", f->threads, "Worker threads / network copies")->check(CLI::Range(1, 64));
  sub.add_flag("--no-flip", f->no_flip, "Do not average the embedding with the mirrored face");
  sub.add_flag("--no-mesh", f->no_mesh, "Use BlazeFace keypoints only (no facemesh landmarks)");
  sub.add_option("--mesh-passes", f->mesh_passes, "Facemesh passes (the second refines the first)")
      ->check(CLI::Range(1, 2));
  sub.add_option("--min-face", f->min_face_px, "Smallest face (pixels) the detector tiles large photos for; 0 = no tiling")
      ->check(CLI::Range(0, 100000));
  sub.add_option("--max-pixels", f->max_pixels, "Refuse images with more pixels than this");
  sub.add_option("--inference", f->inference,
                 std::string("Network runtime: opencv or onednn (same templates to float rounding); default "
                             "$CANDOR_INFERENCE, else ") + InferenceBackendName(DefaultInferenceBackend()))
      ->check(CLI::IsMember({"opencv", "onednn"}));
}

inline PipelineOptions ToPipelineOptions(const PipelineFlags& f) {
  PipelineOptions o;
  o.model_dir = f.models_dir.empty() ? ModelDir() : std::filesystem::path(f.models_dir);
  o.embedder = f.model;
  o.threads = f.threads;
  o.flip_average = !f.no_flip;
  o.use_mesh = !f.no_mesh;
  o.mesh_passes = f.mesh_passes;
  o.detector.min_face_px = f.min_face_px;
  o.decode.max_pixels = f.max_pixels;
  if (!f.inference.empty()) o.inference = *ParseInferenceBackend(f.inference);  // checked by IsMember
  return o;
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_PIPELINE_FLAGS_H_
