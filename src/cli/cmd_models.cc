// Copyright 2026 The Candor Authors.
//
// candor models : the converted models found in the model directory: id,
// source package and version, SHA-256 of the ONNX file (computed now and
// checked against the sidecar). Exit 3 when a model the pipeline needs is missing.

#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "candor/embedder.h"
#include "cli/command.h"
#include "cli/pipeline_flags.h"
#include "pipeline/face_json.h"

namespace candor::cli {
namespace {

Status Run(const std::string& dir_flag) {
  const std::filesystem::path dir = dir_flag.empty() ? ModelDir() : std::filesystem::path(dir_flag);
  const char* kUsed[] = {"blazeface-256", "facemesh-468", kMobileFaceNet, kFaceApiResNet};
  nlohmann::json doc = {{"model_dir", dir.string()}, {"default_embedder", DefaultEmbedderId()},
                        {"models", nlohmann::json::array()}};
  Status missing;
  std::set<std::string> seen;
  for (const char* id : kUsed) {
    seen.insert(id);
    auto info = LoadModelInfo(dir, id);
    if (!info.ok()) {
      doc["models"].push_back({{"id", id}, {"error", info.status().ToString()}});
      if (missing.ok()) missing = info.status();
      continue;
    }
    doc["models"].push_back(ModelToJson(*info));
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".onnx" || seen.count(e.path().stem().string())) continue;
    auto info = LoadModelInfo(dir, e.path().stem().string());
    if (info.ok()) doc["models"].push_back(ModelToJson(*info));
  }
  std::cout << doc.dump(2) << std::endl;
  return missing;
}

const bool kRegistered = RegisterCommand({
    "models", "List the converted models: ids, versions, SHA-256 hashes",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto dir = std::make_shared<std::string>();
      sub.add_option("--models", *dir, "Directory of converted models (default $CANDOR_MODELS or models/)");
      return [dir] { return Run(*dir); };
    }});

}  // namespace
}  // namespace candor::cli
