// Copyright 2026 The Candor Authors.
//
// Reads a TF.js *graph* model (model.json + weight shards) into memory:
// the GraphDef-like node list and every weight decoded to float32 or int64.
//
// Supported weight encodings (weightsManifest): dtype float32 / int32 / bool
// stored as is; quantized float32 stored as uint8 or uint16 (value =
// q * scale + min) or as float16. Shards of one group are concatenated in
// order; weights follow each other in manifest order.
//
// Errors: NotFound (model.json or a shard missing), InvalidArgument (not a
// graph model, malformed JSON, unsupported dtype), DataLoss (shards shorter or
// longer than the manifest says). Never throws.
// Thread safety: LoadTfjsGraphModel is reentrant; the result is a plain value.

#ifndef CANDOR_TOOLS_CONVERT_TFJS_GRAPH_MODEL_H_
#define CANDOR_TOOLS_CONVERT_TFJS_GRAPH_MODEL_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::convert {

struct TfWeight {
  std::vector<int64_t> shape;
  bool is_int = false;       // int32/bool weights are held in `i`, floats in `f`
  std::vector<float> f;
  std::vector<int64_t> i;
  int64_t size() const { return is_int ? static_cast<int64_t>(i.size()) : static_cast<int64_t>(f.size()); }
};

struct TfNode {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // data inputs only ("^ctrl" dropped, ":0" stripped)
  nlohmann::json attr;              // raw TF.js attr map
};

struct TfGraphModel {
  std::vector<TfNode> nodes;
  std::map<std::string, size_t> index;      // node name -> position in `nodes`
  std::map<std::string, TfWeight> weights;  // weight name -> decoded tensor
  nlohmann::json signature;                 // may be null
  std::vector<std::filesystem::path> shard_paths;
  const TfNode* Find(const std::string& name) const;
};

[[nodiscard]] StatusOr<TfGraphModel> LoadTfjsGraphModel(const std::filesystem::path& model_json);

// Attribute accessors (TF.js JSON encodes strings in base64, ints as strings).
std::string AttrString(const TfNode& n, const std::string& key, const std::string& def = "");
std::vector<std::string> AttrStrings(const TfNode& n, const std::string& key);
std::vector<int64_t> AttrInts(const TfNode& n, const std::string& key);
int64_t AttrInt(const TfNode& n, const std::string& key, int64_t def = 0);
float AttrFloat(const TfNode& n, const std::string& key, float def = 0.f);
bool AttrBool(const TfNode& n, const std::string& key, bool def = false);

// IEEE half -> float.
float HalfToFloat(uint16_t h);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_TFJS_GRAPH_MODEL_H_
