// Copyright 2026 The Candor Authors.
//
// Reads a TF.js "layers"-style weights manifest (`*-weights_manifest.json`, as
// face-api ships) and its binary shards into named float tensors. Weights may
// be float32, or uint8 / uint16 / float16 quantized; quantized values are
// dequantized as TF.js does: value = q * scale + min (computed in double,
// stored as float32).
//
// Errors: NOT_FOUND for a missing manifest or shard; DATA_LOSS when the JSON is
// malformed, a weight entry is inconsistent, or the shards hold fewer or more
// bytes than the manifest declares. Thread safety: pure function.

#ifndef CANDOR_TOOLS_CONVERT_FACEAPI_WEIGHTS_H_
#define CANDOR_TOOLS_CONVERT_FACEAPI_WEIGHTS_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::convert {

struct WeightTensor {
  std::vector<int64_t> shape;  // as in the manifest (TF layout, e.g. HWIO filters)
  std::vector<float> values;   // row-major, product(shape) elements
};

using WeightMap = std::map<std::string, WeightTensor>;

// Reads `manifest` and the shards it names (paths relative to its folder).
StatusOr<WeightMap> ReadLayersWeights(const std::filesystem::path& manifest);

// The same from in-memory JSON text and the concatenated shard bytes.
StatusOr<WeightMap> ParseLayersWeights(const std::string& manifest_json,
                                       const std::vector<uint8_t>& shard_bytes);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_FACEAPI_WEIGHTS_H_
