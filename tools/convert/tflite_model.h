// Copyright 2026 The Candor Authors.
//
// The part of the TFLite schema (tensorflow/lite/schema/schema.fbs) that the
// converter needs, read with the bounds-checked FlatBuffers reader into plain
// structs: operator codes, the tensors and operators of the first subgraph,
// and the constant buffers.
//
// ParseTfliteModel validates every reference (tensor, buffer and opcode
// indices; buffer sizes against tensor shapes and types) so that the
// converter can index without checks. Any inconsistency is a DATA_LOSS
// error naming what is wrong; unsupported features (several subgraphs,
// quantized tensors) are UNIMPLEMENTED.
//
// Ownership: TfliteModel owns copies of the constant data. Thread safety: a
// parsed model is an immutable value.

#ifndef CANDOR_TOOLS_CONVERT_TFLITE_MODEL_H_
#define CANDOR_TOOLS_CONVERT_TFLITE_MODEL_H_

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::convert {

// TFLite BuiltinOperator codes the converter knows by name.
enum class TfliteOp : int32_t {
  kAdd = 0,
  kAveragePool2d = 1,
  kConcatenation = 2,
  kConv2d = 3,
  kDepthwiseConv2d = 4,
  kFullyConnected = 9,
  kL2Normalization = 11,
  kLogistic = 14,
  kMaxPool2d = 17,
  kMul = 18,
  kRelu = 19,
  kRelu6 = 21,
  kReshape = 22,
  kSoftmax = 25,
  kTanh = 28,
  kPad = 34,
  kMean = 40,
  kSub = 41,
  kDiv = 42,
  kPrelu = 54,
  kMaximum = 55,
  kMinimum = 57,
  kAbs = 101,
};

// "CONV_2D", ... or "BUILTIN_<n>" for codes without a name here.
std::string TfliteOpName(int32_t builtin_code);

enum class TfliteType : int8_t { kFloat32 = 0, kFloat16 = 1, kInt32 = 2, kUint8 = 3, kInt64 = 4 };

struct TfliteTensor {
  std::string name;
  std::vector<int32_t> shape;
  int8_t type = 0;             // TfliteType
  uint32_t buffer = 0;         // index into TfliteModel::buffers; 0 = no data
  bool quantized = false;      // has per-tensor quantization scales
};

// Values of the builtin options the converter uses; unused fields keep defaults.
struct TfliteOptions {
  int8_t padding = 0;          // 0 SAME, 1 VALID
  int32_t stride_w = 1, stride_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  int32_t depth_multiplier = 1;
  int32_t filter_w = 1, filter_h = 1;  // pooling
  int8_t activation = 0;       // 0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6, 4 TANH
  std::vector<int32_t> new_shape;  // RESHAPE
  bool keep_dims = false;      // MEAN
  int32_t axis = 0;            // CONCATENATION
};

struct TfliteOperator {
  int32_t builtin_code = 0;    // BuiltinOperator; see TfliteOp
  std::string custom_code;     // for CUSTOM (32)
  std::vector<int32_t> inputs;   // tensor indices; -1 = optional input omitted
  std::vector<int32_t> outputs;
  TfliteOptions options;
};

struct TfliteModel {
  uint32_t version = 0;
  std::string description;
  std::vector<TfliteTensor> tensors;
  std::vector<TfliteOperator> operators;
  std::vector<int32_t> inputs, outputs;
  std::vector<std::vector<uint8_t>> buffers;  // buffers[0] is empty by convention

  // The constant data of tensor `t` as float32 (float16 widened); empty when
  // the tensor has no data. Precondition: t is a valid index.
  std::vector<float> FloatData(int32_t t) const;
  // As int32 (int64 narrowed); empty when the tensor has no data.
  std::vector<int32_t> IntData(int32_t t) const;
  bool IsConstant(int32_t t) const { return !buffers[tensors[t].buffer].empty(); }
};

// Parses and validates a TFLite flatbuffer.
StatusOr<TfliteModel> ParseTfliteModel(std::span<const uint8_t> bytes);

// Reads `path` (NOT_FOUND when missing) and parses it.
StatusOr<TfliteModel> ReadTfliteModel(const std::filesystem::path& path);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_TFLITE_MODEL_H_
