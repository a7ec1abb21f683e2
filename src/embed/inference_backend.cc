// Copyright 2026 The Candor Authors.
//
// Choosing an inference back end: names, the default, and opening a network
// with a fallback to OpenCV when oneDNN cannot serve a graph.

#include <cstdlib>

#include "candor/inference.h"

namespace candor {

const char* InferenceBackendName(InferenceBackend backend) {
  return backend == InferenceBackend::kOneDnn ? "onednn" : "opencv";
}

StatusOr<InferenceBackend> ParseInferenceBackend(std::string_view name) {
  if (name == "opencv") return InferenceBackend::kOpenCv;
  if (name == "onednn") return InferenceBackend::kOneDnn;
  return InvalidArgumentError("unknown inference back end '" + std::string(name) + "' (known: opencv, onednn)");
}

InferenceBackend DefaultInferenceBackend() {
  if (const char* env = std::getenv("CANDOR_INFERENCE"); env && *env) {
    auto b = ParseInferenceBackend(env);
    if (b.ok()) return *b;
  }
  // oneDNN when the build has it: 2-3x faster per network on one core, same
  // templates to float rounding (docs/BENCHMARKS.md, docs/ACCURACY.md).
  return DnnlAvailable() ? InferenceBackend::kOneDnn : InferenceBackend::kOpenCv;
}

StatusOr<std::unique_ptr<Network>> OpenNetwork(const ModelInfo& info, int instances, InferenceBackend backend) {
  if (backend == InferenceBackend::kOneDnn) {
    auto net = OpenDnnlNetwork(info, instances);
    if (net.ok() || net.status().code() != Code::kUnimplemented) return net;
  }
  return OpenOpenCvNetwork(info, instances);
}

}  // namespace candor
