// Copyright 2026 The Candor Authors.
//
// A converted model's ONNX graph read into plain structures, for inference
// back ends other than OpenCV's (inference_dnnl.cc). Only what those back ends
// need: nodes in file order (ONNX requires topological order), their inputs,
// outputs and integer / float / string attributes, the initializers expanded
// to float32 or int64, the graph's one input and its outputs.
//
// Errors: NOT_FOUND for a missing file; DATA_LOSS for a file that is not a
// parseable ONNX model; UNIMPLEMENTED for a graph with more than one runtime
// input or an initializer of another element type.
// Thread safety: plain values.

#ifndef CANDOR_EMBED_ONNX_GRAPH_H_
#define CANDOR_EMBED_ONNX_GRAPH_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor {

struct OnnxNode {
  std::string op;    // op_type, e.g. "Conv"
  std::string name;
  std::vector<std::string> inputs, outputs;  // "" for an omitted optional input
  std::map<std::string, std::vector<int64_t>> ints;  // INT and INTS attributes
  std::map<std::string, float> floats;
  std::map<std::string, std::string> strings;

  int64_t Int(const std::string& key, int64_t fallback) const {
    auto it = ints.find(key);
    return it == ints.end() || it->second.empty() ? fallback : it->second[0];
  }
  std::vector<int64_t> Ints(const std::string& key) const {
    auto it = ints.find(key);
    return it == ints.end() ? std::vector<int64_t>{} : it->second;
  }
  std::string String(const std::string& key) const {
    auto it = strings.find(key);
    return it == strings.end() ? std::string() : it->second;
  }
};

struct OnnxTensor {
  std::vector<int64_t> dims;
  std::vector<float> floats;   // FLOAT tensors
  std::vector<int64_t> ints;   // INT64 / INT32 tensors
  bool is_float = false;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return n;
  }
};

struct OnnxGraph {
  std::vector<OnnxNode> nodes;
  std::map<std::string, OnnxTensor> initializers;
  std::string input;                 // the one runtime input
  std::vector<int64_t> input_shape;  // -1 for a symbolic dimension
  std::vector<std::string> outputs;  // declared order
};

StatusOr<OnnxGraph> ReadOnnxGraph(const std::filesystem::path& path);

}  // namespace candor

#endif  // CANDOR_EMBED_ONNX_GRAPH_H_
