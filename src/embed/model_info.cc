// Copyright 2026 The Candor Authors.
//
// LoadModelInfo: the sidecar models/<id>.json plus the ONNX file's SHA-256.
// The sidecar is written by the converter; we read it tolerantly (only the
// fields we need, under the names the converter may use) and trust the ONNX
// file's own hash, computed here, for the template's model identity.

#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "candor/inference.h"
#include "common/hash.h"

namespace candor {
namespace {

using nlohmann::json;

// First string found under any of `keys` (searching nested objects one level deep).
std::string FindString(const json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (j.contains(k) && j[k].is_string()) return j[k].get<std::string>();
  }
  for (const auto& [name, v] : j.items()) {
    if (!v.is_object()) continue;
    for (const char* k : keys) {
      if (v.contains(k) && v[k].is_string()) return v[k].get<std::string>();
    }
  }
  return {};
}

// The first input shape declared in the sidecar, if any.
std::vector<int> FindInputShape(const json& j) {
  auto shape_of = [](const json& v) -> std::vector<int> {
    std::vector<int> s;
    if (v.is_object() && v.contains("shape") && v["shape"].is_array()) {
      for (const auto& d : v["shape"]) s.push_back(d.is_number() ? d.get<int>() : -1);
    }
    return s;
  };
  for (const char* k : {"input", "inputs"}) {
    if (!j.contains(k)) continue;
    const json& v = j[k];
    if (v.is_array() && !v.empty()) return shape_of(v[0]);
    if (v.is_object()) {
      auto s = shape_of(v);
      if (!s.empty()) return s;
      for (const auto& [n, e] : v.items()) {
        s = shape_of(e);
        if (!s.empty()) return s;
      }
    }
  }
  return {};
}

}  // namespace

StatusOr<ModelInfo> LoadModelInfo(const std::filesystem::path& model_dir, const std::string& id) {
  ModelInfo info;
  info.id = id;
  info.onnx_path = model_dir / (id + ".onnx");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(info.onnx_path, ec)) {
    return NotFoundError("model file " + info.onnx_path.string() +
                         " not found: run scripts/setup.sh to fetch and convert the models");
  }
  CANDOR_ASSIGN_OR_RETURN(Sha256Digest digest, Sha256File(info.onnx_path));
  info.onnx_sha256 = HexDigest(digest);

  const auto sidecar = model_dir / (id + ".json");
  if (std::filesystem::is_regular_file(sidecar, ec)) {
    std::ifstream in(sidecar);
    json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return InvalidArgumentError("model sidecar " + sidecar.string() + " is not a JSON object");
    }
    const std::string pkg = FindString(j, {"source_package"});
    const std::string ver = FindString(j, {"source_version", "version"});
    info.version = pkg.empty() ? ver : pkg + "@" + ver;
    info.licence = FindString(j, {"licence", "license"});
    const std::string stated = FindString(j, {"onnx_sha256", "sha256_onnx", "sha256"});
    if (stated.size() == 64 && stated != info.onnx_sha256) {
      // Only a hash explicitly labelled as the ONNX file's is authoritative.
      if (j.contains("onnx_sha256") || j.contains("sha256_onnx")) {
        return DataLossError("model " + id + ": ONNX file hash " + info.onnx_sha256 +
                             " does not match its sidecar (" + stated + ")");
      }
    }
    info.input_shape = FindInputShape(j);
  }
  const auto& s = info.input_shape;
  if (s.size() == 4) {
    info.nhwc_input = (s[3] == 3 && s[1] != 3);
    info.input_h = info.nhwc_input ? s[1] : s[2];
    info.input_w = info.nhwc_input ? s[2] : s[3];
  }
  return info;
}

}  // namespace candor
