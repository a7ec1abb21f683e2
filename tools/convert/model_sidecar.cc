// Copyright 2026 The Candor Authors.

#include "model_sidecar.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace candor::convert {
namespace {

nlohmann::json SpecJson(const TensorSpec& s) {
  nlohmann::json j;
  j["name"] = s.name;
  j["shape"] = s.shape;
  if (!s.layout.empty()) j["layout"] = s.layout;
  if (!s.preprocessing.empty()) j["preprocessing"] = s.preprocessing;
  if (!s.description.empty()) j["description"] = s.description;
  if (!s.source.empty()) j["source"] = s.source;
  return j;
}

}  // namespace

void FillPackageFromPath(const std::filesystem::path& source, Provenance& prov) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(source, ec);
  std::filesystem::path file_in_pkg;
  for (std::filesystem::path dir = p.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "package.json", ec)) {
      std::ifstream in(dir / "package.json");
      nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (j.is_object()) {
        if (prov.source_package.empty() && j.contains("name") && j["name"].is_string())
          prov.source_package = j["name"].get<std::string>();
        if (prov.source_version.empty() && j.contains("version") && j["version"].is_string())
          prov.source_version = j["version"].get<std::string>();
      }
      if (prov.source_file_label.empty())
        prov.source_file_label = std::filesystem::relative(p, dir, ec).generic_string();
      return;
    }
  }
}

Status SaveModelWithSidecar(const OnnxBuilder& builder, const std::filesystem::path& onnx_path,
                            const Provenance& prov, const TensorSpec& input,
                            const std::vector<TensorSpec>& outputs) {
  CANDOR_ASSIGN_OR_RETURN(std::string source_sha, Sha256OfFile(prov.source_file));
  nlohmann::json extra = nlohmann::json::object();
  for (const auto& f : prov.extra_files) {
    CANDOR_ASSIGN_OR_RETURN(std::string sha, Sha256OfFile(f));
    extra[f.filename().string()] = sha;
  }
  const std::string bytes = builder.Serialize();
  CANDOR_RETURN_IF_ERROR(WriteFileDurably(onnx_path, bytes));

  nlohmann::json j;
  j["id"] = prov.id;
  j["file"] = onnx_path.filename().string();
  j["onnx_sha256"] = Sha256Hex(bytes);
  j["source_package"] = prov.source_package;
  j["source_version"] = prov.source_version;
  j["source_file"] =
      prov.source_file_label.empty() ? prov.source_file.filename().string() : prov.source_file_label;
  j["source_sha256"] = source_sha;
  if (!extra.empty()) j["source_extra_sha256"] = extra;
  j["converter"] = std::string("candor-convert ") + CANDOR_VERSION;
  j["opset"] = builder.opset();
  if (!prov.notes.empty()) j["notes"] = prov.notes;
  j["input"] = SpecJson(input);
  j["outputs"] = nlohmann::json::array();
  for (const auto& o : outputs) j["outputs"].push_back(SpecJson(o));
  const std::filesystem::path sidecar =
      (onnx_path.has_parent_path() ? onnx_path.parent_path() : ".") / (prov.id + ".json");
  return WriteFileDurably(sidecar, j.dump(2) + "\n");
}

}  // namespace candor::convert
