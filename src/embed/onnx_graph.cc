// Copyright 2026 The Candor Authors.

#include "embed/onnx_graph.h"

#include <cstring>
#include <fstream>

#include <onnx/onnx_pb.h>

namespace candor {
namespace {

template <typename T>
std::vector<T> FromRaw(const std::string& raw) {
  std::vector<T> v(raw.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), raw.data(), v.size() * sizeof(T));  // little-endian host
  return v;
}

Status ReadTensor(const onnx::TensorProto& t, OnnxTensor* out) {
  out->dims.assign(t.dims().begin(), t.dims().end());
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      out->is_float = true;
      out->floats = t.has_raw_data() ? FromRaw<float>(t.raw_data())
                                     : std::vector<float>(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::INT64:
      out->ints = t.has_raw_data() ? FromRaw<int64_t>(t.raw_data())
                                   : std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
      break;
    case onnx::TensorProto::INT32: {
      std::vector<int32_t> v = t.has_raw_data() ? FromRaw<int32_t>(t.raw_data())
                                                : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
      out->ints.assign(v.begin(), v.end());
      break;
    }
    default:
      return UnimplementedError("initializer " + t.name() + " has element type " +
                                std::to_string(t.data_type()));
  }
  const size_t have = out->is_float ? out->floats.size() : out->ints.size();
  if (static_cast<int64_t>(have) != out->numel()) {
    return DataLossError("initializer " + t.name() + " holds " + std::to_string(have) + " values for " +
                         std::to_string(out->numel()) + " elements");
  }
  return OkStatus();
}

}  // namespace

StatusOr<OnnxGraph> ReadOnnxGraph(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path.string());
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in)) return DataLossError(path.string() + " is not an ONNX model");
  const onnx::GraphProto& g = model.graph();
  OnnxGraph graph;
  for (const auto& t : g.initializer()) {
    OnnxTensor tensor;
    CANDOR_RETURN_IF_ERROR(ReadTensor(t, &tensor));
    graph.initializers[t.name()] = std::move(tensor);
  }
  for (const auto& n : g.node()) {
    OnnxNode node;
    node.op = n.op_type();
    node.name = n.name();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) {
      switch (a.type()) {
        case onnx::AttributeProto::INT: node.ints[a.name()] = {a.i()}; break;
        case onnx::AttributeProto::INTS: node.ints[a.name()].assign(a.ints().begin(), a.ints().end()); break;
        case onnx::AttributeProto::FLOAT: node.floats[a.name()] = a.f(); break;
        case onnx::AttributeProto::STRING: node.strings[a.name()] = a.s(); break;
        case onnx::AttributeProto::TENSOR: {
          if (node.op != "Constant") break;
          OnnxTensor tensor;
          CANDOR_RETURN_IF_ERROR(ReadTensor(a.t(), &tensor));
          if (!node.outputs.empty()) graph.initializers[node.outputs[0]] = std::move(tensor);
          break;
        }
        default: break;
      }
    }
    if (node.op == "Constant") continue;  // became an initializer
    graph.nodes.push_back(std::move(node));
  }
  for (const auto& i : g.input()) {
    if (graph.initializers.count(i.name())) continue;
    if (!graph.input.empty()) return UnimplementedError(path.string() + " has more than one input");
    graph.input = i.name();
    for (const auto& d : i.type().tensor_type().shape().dim()) {
      graph.input_shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    }
  }
  if (graph.input.empty()) return DataLossError(path.string() + " declares no input");
  for (const auto& o : g.output()) graph.outputs.push_back(o.name());
  return graph;
}

}  // namespace candor
