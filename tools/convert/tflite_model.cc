// Copyright 2026 The Candor Authors.

#include "tflite_model.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "tflite_flatbuffer.h"

namespace candor::convert {
namespace {

// Field indices of schema.fbs (a union counts as two: type, value).
namespace model_f { constexpr int kVersion = 0, kOpcodes = 1, kSubgraphs = 2, kDescription = 3, kBuffers = 4; }
namespace opcode_f { constexpr int kDeprecatedBuiltin = 0, kCustom = 1, kBuiltin = 3; }
namespace subgraph_f { constexpr int kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3; }
namespace tensor_f { constexpr int kShape = 0, kType = 1, kBuffer = 2, kName = 3, kQuant = 4; }
namespace quant_f { constexpr int kScale = 2; }
namespace op_f { constexpr int kOpcode = 0, kInputs = 1, kOutputs = 2, kOptions = 4; }
namespace buffer_f { constexpr int kData = 0, kOffset = 1, kSize = 2; }

size_t TypeSize(int8_t type) {
  switch (static_cast<TfliteType>(type)) {
    case TfliteType::kFloat32: return 4;
    case TfliteType::kFloat16: return 2;
    case TfliteType::kInt32: return 4;
    case TfliteType::kUint8: return 1;
    case TfliteType::kInt64: return 8;
  }
  return 0;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) { mant <<= 1; --exp; }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Status ParseOptions(const FbTable& op, int32_t code, TfliteOptions* o) {
  if (!op.Has(op_f::kOptions)) return OkStatus();
  CANDOR_ASSIGN_OR_RETURN(FbTable t, op.SubTable(op_f::kOptions));
  switch (static_cast<TfliteOp>(code)) {
    case TfliteOp::kConv2d: {
      CANDOR_ASSIGN_OR_RETURN(o->padding, t.I8(0));
      CANDOR_ASSIGN_OR_RETURN(o->stride_w, t.I32(1));
      CANDOR_ASSIGN_OR_RETURN(o->stride_h, t.I32(2));
      CANDOR_ASSIGN_OR_RETURN(o->activation, t.I8(3));
      CANDOR_ASSIGN_OR_RETURN(o->dilation_w, t.I32(4, 1));
      CANDOR_ASSIGN_OR_RETURN(o->dilation_h, t.I32(5, 1));
      break;
    }
    case TfliteOp::kDepthwiseConv2d: {
      CANDOR_ASSIGN_OR_RETURN(o->padding, t.I8(0));
      CANDOR_ASSIGN_OR_RETURN(o->stride_w, t.I32(1));
      CANDOR_ASSIGN_OR_RETURN(o->stride_h, t.I32(2));
      CANDOR_ASSIGN_OR_RETURN(o->depth_multiplier, t.I32(3, 1));
      CANDOR_ASSIGN_OR_RETURN(o->activation, t.I8(4));
      CANDOR_ASSIGN_OR_RETURN(o->dilation_w, t.I32(5, 1));
      CANDOR_ASSIGN_OR_RETURN(o->dilation_h, t.I32(6, 1));
      break;
    }
    case TfliteOp::kAveragePool2d:
    case TfliteOp::kMaxPool2d: {
      CANDOR_ASSIGN_OR_RETURN(o->padding, t.I8(0));
      CANDOR_ASSIGN_OR_RETURN(o->stride_w, t.I32(1));
      CANDOR_ASSIGN_OR_RETURN(o->stride_h, t.I32(2));
      CANDOR_ASSIGN_OR_RETURN(o->filter_w, t.I32(3));
      CANDOR_ASSIGN_OR_RETURN(o->filter_h, t.I32(4));
      CANDOR_ASSIGN_OR_RETURN(o->activation, t.I8(5));
      break;
    }
    case TfliteOp::kAdd:
    case TfliteOp::kSub:
    case TfliteOp::kMul:
    case TfliteOp::kDiv:
    case TfliteOp::kFullyConnected:
    case TfliteOp::kL2Normalization: {
      CANDOR_ASSIGN_OR_RETURN(o->activation, t.I8(0));
      break;
    }
    case TfliteOp::kConcatenation: {
      CANDOR_ASSIGN_OR_RETURN(o->axis, t.I32(0));
      CANDOR_ASSIGN_OR_RETURN(o->activation, t.I8(1));
      break;
    }
    case TfliteOp::kReshape: {
      CANDOR_ASSIGN_OR_RETURN(FbVector v, t.Vector(0, 4));
      o->new_shape = v.Int32s();
      break;
    }
    case TfliteOp::kMean: {
      CANDOR_ASSIGN_OR_RETURN(uint8_t keep, t.U8(0));
      o->keep_dims = keep != 0;
      break;
    }
    default:
      break;
  }
  return OkStatus();
}

Status CheckIndices(const std::vector<int32_t>& idx, size_t n, bool allow_omitted,
                    const std::string& what) {
  for (int32_t i : idx) {
    if ((i < 0 && !(allow_omitted && i == -1)) || (i >= 0 && static_cast<size_t>(i) >= n)) {
      return DataLossError(what + " refers to tensor " + std::to_string(i) + " of " +
                           std::to_string(n));
    }
  }
  return OkStatus();
}

}  // namespace

std::string TfliteOpName(int32_t code) {
  switch (static_cast<TfliteOp>(code)) {
    case TfliteOp::kAdd: return "ADD";
    case TfliteOp::kAveragePool2d: return "AVERAGE_POOL_2D";
    case TfliteOp::kConcatenation: return "CONCATENATION";
    case TfliteOp::kConv2d: return "CONV_2D";
    case TfliteOp::kDepthwiseConv2d: return "DEPTHWISE_CONV_2D";
    case TfliteOp::kFullyConnected: return "FULLY_CONNECTED";
    case TfliteOp::kL2Normalization: return "L2_NORMALIZATION";
    case TfliteOp::kLogistic: return "LOGISTIC";
    case TfliteOp::kMaxPool2d: return "MAX_POOL_2D";
    case TfliteOp::kMul: return "MUL";
    case TfliteOp::kRelu: return "RELU";
    case TfliteOp::kRelu6: return "RELU6";
    case TfliteOp::kReshape: return "RESHAPE";
    case TfliteOp::kSoftmax: return "SOFTMAX";
    case TfliteOp::kTanh: return "TANH";
    case TfliteOp::kPad: return "PAD";
    case TfliteOp::kMean: return "MEAN";
    case TfliteOp::kSub: return "SUB";
    case TfliteOp::kDiv: return "DIV";
    case TfliteOp::kPrelu: return "PRELU";
    case TfliteOp::kMaximum: return "MAXIMUM";
    case TfliteOp::kMinimum: return "MINIMUM";
    case TfliteOp::kAbs: return "ABS";
  }
  return "BUILTIN_" + std::to_string(code);
}

std::vector<float> TfliteModel::FloatData(int32_t t) const {
  const TfliteTensor& ten = tensors[t];
  const std::vector<uint8_t>& b = buffers[ten.buffer];
  std::vector<float> out;
  if (ten.type == static_cast<int8_t>(TfliteType::kFloat32)) {
    out.resize(b.size() / 4);
    std::memcpy(out.data(), b.data(), out.size() * 4);
  } else if (ten.type == static_cast<int8_t>(TfliteType::kFloat16)) {
    out.resize(b.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, b.data() + 2 * i, 2);
      out[i] = HalfToFloat(h);
    }
  }
  return out;
}

std::vector<int32_t> TfliteModel::IntData(int32_t t) const {
  const TfliteTensor& ten = tensors[t];
  const std::vector<uint8_t>& b = buffers[ten.buffer];
  std::vector<int32_t> out;
  if (ten.type == static_cast<int8_t>(TfliteType::kInt32)) {
    out.resize(b.size() / 4);
    std::memcpy(out.data(), b.data(), out.size() * 4);
  } else if (ten.type == static_cast<int8_t>(TfliteType::kInt64)) {
    out.resize(b.size() / 8);
    for (size_t i = 0; i < out.size(); ++i) {
      int64_t v;
      std::memcpy(&v, b.data() + 8 * i, 8);
      out[i] = static_cast<int32_t>(v);
    }
  }
  return out;
}

StatusOr<TfliteModel> ParseTfliteModel(std::span<const uint8_t> bytes) {
  CANDOR_ASSIGN_OR_RETURN(FbTable root, FbTable::Root(bytes, "TFL3"));
  TfliteModel m;
  CANDOR_ASSIGN_OR_RETURN(m.version, root.U32(model_f::kVersion));
  if (m.version != 3) {
    return UnimplementedError("TFLite schema version " + std::to_string(m.version) + " (want 3)");
  }
  CANDOR_ASSIGN_OR_RETURN(m.description, root.String(model_f::kDescription));

  // Buffers: inline data, or (for models over 2 GB) an offset/size into the file.
  CANDOR_ASSIGN_OR_RETURN(FbVector buffers, root.Vector(model_f::kBuffers, 4));
  m.buffers.resize(buffers.size());
  for (uint32_t i = 0; i < buffers.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(FbTable b, buffers.Table(i));
    CANDOR_ASSIGN_OR_RETURN(FbVector data, b.Vector(buffer_f::kData, 1));
    if (data.size() > 0) {
      auto s = data.bytes();
      m.buffers[i].assign(s.begin(), s.end());
      continue;
    }
    CANDOR_ASSIGN_OR_RETURN(uint64_t off, b.U64(buffer_f::kOffset));
    CANDOR_ASSIGN_OR_RETURN(uint64_t size, b.U64(buffer_f::kSize));
    if (off > 1 && size > 0) {
      if (off > bytes.size() || size > bytes.size() - off) {
        return DataLossError("buffer " + std::to_string(i) + " lies outside the file");
      }
      m.buffers[i].assign(bytes.begin() + off, bytes.begin() + off + size);
    }
  }

  CANDOR_ASSIGN_OR_RETURN(FbVector opcodes, root.Vector(model_f::kOpcodes, 4));
  std::vector<std::pair<int32_t, std::string>> codes;
  for (uint32_t i = 0; i < opcodes.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(FbTable c, opcodes.Table(i));
    CANDOR_ASSIGN_OR_RETURN(int8_t deprecated, c.I8(opcode_f::kDeprecatedBuiltin));
    CANDOR_ASSIGN_OR_RETURN(int32_t builtin, c.I32(opcode_f::kBuiltin));
    CANDOR_ASSIGN_OR_RETURN(std::string custom, c.String(opcode_f::kCustom));
    // Schema rule: the real code is the larger of the two fields.
    codes.emplace_back(std::max<int32_t>(deprecated, builtin), std::move(custom));
  }

  CANDOR_ASSIGN_OR_RETURN(FbVector subgraphs, root.Vector(model_f::kSubgraphs, 4));
  if (subgraphs.size() != 1) {
    return UnimplementedError("TFLite model with " + std::to_string(subgraphs.size()) +
                              " subgraphs (want exactly 1)");
  }
  CANDOR_ASSIGN_OR_RETURN(FbTable sg, subgraphs.Table(0));

  CANDOR_ASSIGN_OR_RETURN(FbVector tensors, sg.Vector(subgraph_f::kTensors, 4));
  m.tensors.resize(tensors.size());
  for (uint32_t i = 0; i < tensors.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(FbTable t, tensors.Table(i));
    TfliteTensor& ten = m.tensors[i];
    CANDOR_ASSIGN_OR_RETURN(FbVector shape, t.Vector(tensor_f::kShape, 4));
    ten.shape = shape.Int32s();
    CANDOR_ASSIGN_OR_RETURN(ten.type, t.I8(tensor_f::kType));
    CANDOR_ASSIGN_OR_RETURN(ten.buffer, t.U32(tensor_f::kBuffer));
    CANDOR_ASSIGN_OR_RETURN(ten.name, t.String(tensor_f::kName));
    if (t.Has(tensor_f::kQuant)) {
      CANDOR_ASSIGN_OR_RETURN(FbTable q, t.SubTable(tensor_f::kQuant));
      CANDOR_ASSIGN_OR_RETURN(FbVector scale, q.Vector(quant_f::kScale, 4));
      ten.quantized = scale.size() > 0;
    }
    if (ten.buffer >= m.buffers.size()) {
      return DataLossError("tensor " + std::to_string(i) + " refers to buffer " +
                           std::to_string(ten.buffer) + " of " + std::to_string(m.buffers.size()));
    }
    const auto& data = m.buffers[ten.buffer];
    if (!data.empty()) {
      const size_t elem = TypeSize(ten.type);
      if (elem == 0) {
        return UnimplementedError("constant tensor '" + ten.name + "' of TFLite type " +
                                  std::to_string(ten.type));
      }
      uint64_t count = 1;
      for (int32_t d : ten.shape) {
        if (d < 0 || d > (1 << 30)) return DataLossError("constant tensor '" + ten.name + "' has dimension " + std::to_string(d));
        count *= static_cast<uint64_t>(d);
        if (count > (uint64_t{1} << 34)) return DataLossError("constant tensor '" + ten.name + "' too large");
      }
      if (count * elem != data.size()) {
        return DataLossError("constant tensor '" + ten.name + "' holds " +
                             std::to_string(data.size()) + " bytes, its shape needs " +
                             std::to_string(count * elem));
      }
    }
  }

  CANDOR_ASSIGN_OR_RETURN(FbVector in, sg.Vector(subgraph_f::kInputs, 4));
  CANDOR_ASSIGN_OR_RETURN(FbVector out, sg.Vector(subgraph_f::kOutputs, 4));
  m.inputs = in.Int32s();
  m.outputs = out.Int32s();
  CANDOR_RETURN_IF_ERROR(CheckIndices(m.inputs, m.tensors.size(), false, "graph input"));
  CANDOR_RETURN_IF_ERROR(CheckIndices(m.outputs, m.tensors.size(), false, "graph output"));
  if (m.inputs.empty() || m.outputs.empty()) return DataLossError("graph without inputs or outputs");

  CANDOR_ASSIGN_OR_RETURN(FbVector ops, sg.Vector(subgraph_f::kOperators, 4));
  m.operators.resize(ops.size());
  for (uint32_t i = 0; i < ops.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(FbTable o, ops.Table(i));
    TfliteOperator& op = m.operators[i];
    CANDOR_ASSIGN_OR_RETURN(uint32_t opcode, o.U32(op_f::kOpcode));
    if (opcode >= codes.size()) {
      return DataLossError("operator " + std::to_string(i) + " has opcode index " +
                           std::to_string(opcode) + " of " + std::to_string(codes.size()));
    }
    op.builtin_code = codes[opcode].first;
    op.custom_code = codes[opcode].second;
    CANDOR_ASSIGN_OR_RETURN(FbVector oi, o.Vector(op_f::kInputs, 4));
    CANDOR_ASSIGN_OR_RETURN(FbVector oo, o.Vector(op_f::kOutputs, 4));
    op.inputs = oi.Int32s();
    op.outputs = oo.Int32s();
    const std::string what = "operator " + std::to_string(i) + " (" + TfliteOpName(op.builtin_code) + ")";
    CANDOR_RETURN_IF_ERROR(CheckIndices(op.inputs, m.tensors.size(), true, what));
    CANDOR_RETURN_IF_ERROR(CheckIndices(op.outputs, m.tensors.size(), false, what));
    CANDOR_RETURN_IF_ERROR(ParseOptions(o, op.builtin_code, &op.options).WithContext(what));
  }
  return m;
}

StatusOr<TfliteModel> ReadTfliteModel(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFoundError("cannot open TFLite model " + path.string());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto m = ParseTfliteModel(bytes);
  if (!m.ok()) return m.status().WithContext(path.string());
  return m;
}

}  // namespace candor::convert
