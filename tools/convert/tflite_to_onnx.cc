// Copyright 2026 The Candor Authors.

#include "tflite_to_onnx.h"

#include <algorithm>
#include <optional>

namespace candor::convert {
namespace {

// An ONNX value standing for a TFLite tensor.
struct Val {
  std::string name;
  bool nchw = false;  // a 4-D activation kept channels-first
};

// TF "SAME" padding: {begin, end} for one spatial axis.
std::pair<int64_t, int64_t> SamePads(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d) {
  const int64_t total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
  return {total / 2, total - total / 2};
}

class Converter {
 public:
  Converter(const TfliteModel& m, OnnxBuilder& b) : m_(m), b_(b) {}

  StatusOr<TfliteToOnnxResult> Run(const std::string& input_name,
                                   const std::vector<std::string>& output_names) {
    TfliteToOnnxResult r;
    if (m_.inputs.size() != 1) return UnimplementedError("TFLite model with several inputs");
    for (const auto& op : m_.operators) r.source_ops[TfliteOpName(op.builtin_code)]++;

    // Graph input.
    const int32_t in = m_.inputs[0];
    const TfliteTensor& it = m_.tensors[in];
    if (it.type != static_cast<int8_t>(TfliteType::kFloat32) || it.quantized) {
      return UnimplementedError("graph input '" + it.name + "' is not float32");
    }
    r.input_name = b_.UniqueName(input_name.empty() ? it.name : input_name);
    if (it.shape.size() == 4) {
      r.input_dims = {kDynamic, it.shape[3], it.shape[1], it.shape[2]};
      vals_[in] = {r.input_name, true};
    } else {
      r.input_dims.assign(it.shape.begin(), it.shape.end());
      if (!r.input_dims.empty()) r.input_dims[0] = kDynamic;
      vals_[in] = {r.input_name, false};
    }
    b_.AddInput(r.input_name, r.input_dims);

    FindPreluIdioms();
    r.prelu_fused = static_cast<int>(prelu_slope_.size());
    for (size_t i = 0; i < m_.operators.size(); ++i) {
      if (skip_[i]) continue;
      const auto& op = m_.operators[i];
      Status s = Emit(i, op);
      if (!s.ok()) {
        return s.WithContext("operator " + std::to_string(i) + " " + TfliteOpName(op.builtin_code));
      }
    }

    for (size_t k = 0; k < m_.outputs.size(); ++k) {
      const int32_t t = m_.outputs[k];
      auto v = vals_.find(t);
      if (v == vals_.end()) return DataLossError("graph output '" + m_.tensors[t].name + "' is never computed");
      const auto& shape = m_.tensors[t].shape;
      std::string want = k < output_names.size() ? output_names[k] : m_.tensors[t].name;
      std::vector<int64_t> dims(shape.begin(), shape.end());
      if (!dims.empty()) dims[0] = kDynamic;
      std::string name;
      if (v->second.nchw) {  // back to the TFLite layout
        name = b_.Op("Transpose", {v->second.name}, {Attr("perm", {0, 2, 3, 1})}, want);
      } else {
        // A real layer carries the output name: OpenCV 4.6 drops Identity
        // nodes and then cannot find an output named after one.
        std::vector<int64_t> to = {-1};
        for (size_t k2 = 1; k2 < shape.size(); ++k2) to.push_back(shape[k2]);
        name = b_.Op("Reshape", {v->second.name, b_.AddShape(want + "_shape", to)}, {}, want);
      }
      b_.AddOutput(name, dims);
      r.output_names.push_back(name);
      r.output_dims.push_back(dims);
    }
    return r;
  }

 private:
  // ---- PReLU idiom: y = relu(x) + c * (x - |x|) ----
  void FindPreluIdioms() {
    const size_t n = m_.operators.size();
    skip_.assign(n, false);
    std::map<int32_t, size_t> producer;
    std::map<int32_t, int> uses;
    for (size_t i = 0; i < n; ++i) {
      for (int32_t t : m_.operators[i].outputs) producer[t] = i;
      for (int32_t t : m_.operators[i].inputs) if (t >= 0) uses[t]++;
    }
    for (int32_t t : m_.outputs) uses[t]++;
    auto prod = [&](int32_t t, TfliteOp want) -> const TfliteOperator* {
      auto p = producer.find(t);
      if (p == producer.end() || uses[t] != 1) return nullptr;
      const auto& op = m_.operators[p->second];
      if (op.builtin_code != static_cast<int32_t>(want) || op.options.activation != 0) return nullptr;
      return &op;
    };
    auto index = [&](int32_t t) { return producer[t]; };
    for (size_t i = 0; i < n; ++i) {
      const auto& add = m_.operators[i];
      if (add.builtin_code != static_cast<int32_t>(TfliteOp::kAdd) || add.inputs.size() != 2 ||
          add.options.activation != 0) {
        continue;
      }
      for (int order = 0; order < 2; ++order) {
        const int32_t rt = add.inputs[order], mt = add.inputs[1 - order];
        if (rt < 0 || mt < 0) break;
        const auto* relu = prod(rt, TfliteOp::kRelu);
        const auto* mul = prod(mt, TfliteOp::kMul);
        if (!relu || !mul || relu->inputs.size() != 1 || relu->inputs[0] < 0 ||
            mul->inputs.size() != 2 || mul->inputs[0] < 0 || mul->inputs[1] < 0) {
          continue;
        }
        const int32_t x = relu->inputs[0];
        int ci = m_.IsConstant(mul->inputs[0]) ? 0 : (m_.IsConstant(mul->inputs[1]) ? 1 : -1);
        if (ci < 0) continue;
        const int32_t st = mul->inputs[1 - ci];
        const auto* sub = prod(st, TfliteOp::kSub);
        if (!sub || sub->inputs.size() != 2 || sub->inputs[0] != x) continue;
        if (sub->inputs[1] < 0) continue;
        const auto* abs = prod(sub->inputs[1], TfliteOp::kAbs);
        if (!abs || abs->inputs.size() != 1 || abs->inputs[0] != x) continue;
        const auto& xs = m_.tensors[x].shape;
        std::vector<float> c = m_.FloatData(mul->inputs[ci]);
        if (xs.empty() || c.empty()) continue;
        const int64_t channels = xs.back();
        if (channels < 1 || channels > (1 << 24)) continue;
        if (c.size() == 1) c.assign(channels, c[0]);
        if (static_cast<int64_t>(c.size()) != channels) continue;
        for (float& v : c) v *= 2.0f;  // x - |x| = 2 min(x, 0)
        prelu_slope_[i] = {x, std::move(c)};
        skip_[index(rt)] = skip_[index(mt)] = skip_[index(st)] = skip_[index(sub->inputs[1])] = true;
        break;
      }
    }
  }

  StatusOr<Val> Get(int32_t t) const {
    if (t < 0 || static_cast<size_t>(t) >= m_.tensors.size()) return DataLossError("missing input");
    auto v = vals_.find(t);
    if (v == vals_.end()) {
      if (m_.IsConstant(t)) return UnimplementedError("constant tensor '" + m_.tensors[t].name + "' used as data");
      return DataLossError("tensor '" + m_.tensors[t].name + "' used before it is computed");
    }
    return v->second;
  }

  StatusOr<std::vector<float>> ConstFloat(int32_t t, const std::string& what) const {
    if (t < 0 || !m_.IsConstant(t)) return UnimplementedError(what + " is not a constant");
    const auto& ten = m_.tensors[t];
    if (ten.quantized || (ten.type != static_cast<int8_t>(TfliteType::kFloat32) &&
                          ten.type != static_cast<int8_t>(TfliteType::kFloat16))) {
      return UnimplementedError(what + " '" + ten.name + "' is not float");
    }
    return m_.FloatData(t);
  }

  Status CheckFloatActivation(int32_t t) const {
    const auto& ten = m_.tensors[t];
    if (ten.type != static_cast<int8_t>(TfliteType::kFloat32) || ten.quantized) {
      return UnimplementedError("tensor '" + ten.name + "' is not float32 (quantized models are not supported)");
    }
    return OkStatus();
  }

  std::string Activate(const std::string& x, int8_t act) {
    switch (act) {
      case 1: return b_.Op("Relu", {x});
      case 2: return b_.Clip(x, -1.f, 1.f);
      case 3: return b_.Relu6(x);
      case 4: return b_.Op("Tanh", {x});
      default: return x;
    }
  }

  // Static shapes the layout and padding arithmetic relies on: every dimension
  // in 1..2^24 (a corrupted file may say -1 or 2^31).
  static Status CheckDims(std::initializer_list<std::vector<int32_t>> shapes) {
    for (const auto& s : shapes)
      for (int32_t d : s)
        if (d < 1 || d > (1 << 24)) return DataLossError("tensor dimension " + std::to_string(d));
    return OkStatus();
  }

  Status CheckActivation(int8_t act) const {
    if (act < 0 || act > 4) return UnimplementedError("fused activation " + std::to_string(act));
    return OkStatus();
  }

  void Set(const TfliteOperator& op, std::string name, bool nchw) {
    vals_[op.outputs[0]] = {std::move(name), nchw};
  }

  Status Emit(size_t index, const TfliteOperator& op) {
    if (op.outputs.empty()) return DataLossError("operator without outputs");
    for (int32_t t : op.outputs) CANDOR_RETURN_IF_ERROR(CheckFloatActivation(t));
    CANDOR_RETURN_IF_ERROR(CheckActivation(op.options.activation));
    const auto code = static_cast<TfliteOp>(op.builtin_code);
    const auto& o = op.options;
    auto need_inputs = [&](size_t k) -> Status {
      if (op.inputs.size() < k) return DataLossError("expects " + std::to_string(k) + " inputs");
      for (size_t j = 0; j < k; ++j) if (op.inputs[j] < 0) return DataLossError("missing input");
      return OkStatus();
    };

    if (auto p = prelu_slope_.find(index); p != prelu_slope_.end()) {
      CANDOR_ASSIGN_OR_RETURN(Val x, Get(p->second.first));
      if (!x.nchw) return UnimplementedError("PReLU idiom on a non-4-D tensor");
      Set(op, b_.PRelu(x.name, p->second.second), true);
      return OkStatus();
    }

    switch (code) {
      case TfliteOp::kConv2d:
      case TfliteOp::kDepthwiseConv2d: {
        CANDOR_RETURN_IF_ERROR(need_inputs(2));
        CANDOR_ASSIGN_OR_RETURN(Val x, Get(op.inputs[0]));
        const auto& xs = m_.tensors[op.inputs[0]].shape;
        const auto& ys = m_.tensors[op.outputs[0]].shape;
        const auto& ws = m_.tensors[op.inputs[1]].shape;
        if (!x.nchw || xs.size() != 4 || ys.size() != 4 || ws.size() != 4) {
          return DataLossError("convolution on tensors that are not 4-D");
        }
        CANDOR_RETURN_IF_ERROR(CheckDims({xs, ys, ws}));
        CANDOR_ASSIGN_OR_RETURN(std::vector<float> w, ConstFloat(op.inputs[1], "filter"));
        std::vector<float> bias;
        if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
          CANDOR_ASSIGN_OR_RETURN(bias, ConstFloat(op.inputs[2], "bias"));
        }
        const int64_t kh = ws[1], kw = ws[2], cin = xs[3], cout = ys[3];
        const bool dw = code == TfliteOp::kDepthwiseConv2d;
        if (!dw && (ws[3] != cin || ws[0] != cout)) return DataLossError("filter shape does not match its input");
        if (dw && (ws[0] != 1 || ws[3] != cout || cout % cin != 0)) {
          return DataLossError("depthwise filter shape does not match its input");
        }
        if (!bias.empty() && static_cast<int64_t>(bias.size()) != cout) return DataLossError("bias size");
        if (o.stride_h < 1 || o.stride_w < 1 || o.dilation_h < 1 || o.dilation_w < 1) {
          return DataLossError("stride or dilation below 1");
        }
        // TFLite [O,H,W,I] (or [1,H,W,O] depthwise) -> ONNX [O, I/group, H, W].
        const int64_t per_group_in = dw ? 1 : cin;
        std::vector<float> wo(static_cast<size_t>(cout * per_group_in * kh * kw));
        for (int64_t oc = 0; oc < cout; ++oc)
          for (int64_t ic = 0; ic < per_group_in; ++ic)
            for (int64_t h = 0; h < kh; ++h)
              for (int64_t q = 0; q < kw; ++q) {
                const size_t src = dw ? static_cast<size_t>((h * kw + q) * cout + oc)
                                      : static_cast<size_t>(((oc * kh + h) * kw + q) * cin + ic);
                wo[static_cast<size_t>(((oc * per_group_in + ic) * kh + h) * kw + q)] = w[src];
              }
        std::vector<int64_t> pads = {0, 0, 0, 0};
        if (o.padding == 0) {
          auto [t, bt] = SamePads(xs[1], ys[1], kh, o.stride_h, o.dilation_h);
          auto [l, r] = SamePads(xs[2], ys[2], kw, o.stride_w, o.dilation_w);
          pads = {t, l, bt, r};
        }
        std::string y = b_.Conv(x.name, wo, {cout, per_group_in, kh, kw}, bias,
                                {o.stride_h, o.stride_w}, pads, dw ? cin : 1,
                                {o.dilation_h, o.dilation_w}, "", {xs[1], xs[2]});
        Set(op, Activate(y, o.activation), true);
        return OkStatus();
      }
      case TfliteOp::kAdd:
      case TfliteOp::kSub:
      case TfliteOp::kMul:
      case TfliteOp::kDiv: {
        CANDOR_RETURN_IF_ERROR(need_inputs(2));
        const char* onnx_op = code == TfliteOp::kAdd ? "Add" : code == TfliteOp::kSub ? "Sub"
                            : code == TfliteOp::kMul ? "Mul" : "Div";
        std::string names[2];
        bool nchw = false;
        int data_inputs = 0;
        for (int k = 0; k < 2; ++k) {
          if (!m_.IsConstant(op.inputs[k])) {
            CANDOR_ASSIGN_OR_RETURN(Val v, Get(op.inputs[k]));
            names[k] = v.name;
            nchw = nchw || v.nchw;
            ++data_inputs;
          }
        }
        if (data_inputs == 0) return UnimplementedError("elementwise op on two constants");
        if (data_inputs == 2) {
          if (vals_[op.inputs[0]].nchw != vals_[op.inputs[1]].nchw ||
              m_.tensors[op.inputs[0]].shape.size() != m_.tensors[op.inputs[1]].shape.size()) {
            return UnimplementedError("broadcast between tensors of different rank");
          }
        }
        const auto& ys = m_.tensors[op.outputs[0]].shape;
        for (int k = 0; k < 2; ++k) {
          if (!names[k].empty()) continue;
          CANDOR_ASSIGN_OR_RETURN(std::vector<float> c, ConstFloat(op.inputs[k], "operand"));
          const int64_t channels = ys.empty() ? 1 : ys.back();
          if (c.size() == 1) {
            names[k] = b_.AddScalar("c", c[0]);
          } else if (static_cast<int64_t>(c.size()) == channels && nchw) {
            names[k] = b_.AddChannelConst("c", c);
          } else if (static_cast<int64_t>(c.size()) == channels && ys.size() == 2) {
            names[k] = b_.AddFloat("c", {channels}, c);
          } else {
            return UnimplementedError("constant operand of " + std::to_string(c.size()) +
                                      " values does not broadcast per channel");
          }
        }
        Set(op, Activate(b_.Op(onnx_op, {names[0], names[1]}), o.activation), nchw);
        return OkStatus();
      }
      case TfliteOp::kRelu:
      case TfliteOp::kRelu6:
      case TfliteOp::kAbs:
      case TfliteOp::kLogistic:
      case TfliteOp::kTanh: {
        CANDOR_RETURN_IF_ERROR(need_inputs(1));
        CANDOR_ASSIGN_OR_RETURN(Val x, Get(op.inputs[0]));
        std::string y = code == TfliteOp::kRelu6 ? b_.Relu6(x.name)
                        : b_.Op(code == TfliteOp::kRelu ? "Relu" : code == TfliteOp::kAbs ? "Abs"
                                : code == TfliteOp::kLogistic ? "Sigmoid" : "Tanh", {x.name});
        Set(op, y, x.nchw);
        return OkStatus();
      }
      case TfliteOp::kPrelu: {
        CANDOR_RETURN_IF_ERROR(need_inputs(2));
        CANDOR_ASSIGN_OR_RETURN(Val x, Get(op.inputs[0]));
        CANDOR_ASSIGN_OR_RETURN(std::vector<float> a, ConstFloat(op.inputs[1], "alpha"));
        const auto& xs = m_.tensors[op.inputs[0]].shape;
        if (!x.nchw || xs.size() != 4) return UnimplementedError("PRELU on a non-4-D tensor");
        CANDOR_RETURN_IF_ERROR(CheckDims({xs}));
        if (a.size() == 1) a.assign(xs[3], a[0]);
        if (static_cast<int64_t>(a.size()) != xs[3]) return UnimplementedError("PRELU alpha not per channel");
        Set(op, b_.PRelu(x.name, a), true);
        return OkStatus();
      }
      case TfliteOp::kAveragePool2d:
      case TfliteOp::kMaxPool2d: {
        CANDOR_RETURN_IF_ERROR(need_inputs(1));
        CANDOR_ASSIGN_OR_RETURN(Val x, Get(op.inputs[0]));
        const auto& xs = m_.tensors[op.inputs[0]].shape;
        const auto& ys = m_.tensors[op.outputs[0]].shape;
        if (!x.nchw || xs.size() != 4 || ys.size() != 4) return DataLossError("pooling on a non-4-D tensor");
        CANDOR_RETURN_IF_ERROR(CheckDims({xs, ys}));
        if (o.filter_h < 1 || o.filter_w < 1 || o.stride_h < 1 || o.stride_w < 1) {
          return DataLossError("pool size or stride below 1");
        }
        std::vector<int64_t> pads = {0, 0, 0, 0};
        if (o.padding == 0) {
          auto [t, bt] = SamePads(xs[1], ys[1], o.filter_h, o.stride_h, 1);
          auto [l, r] = SamePads(xs[2], ys[2], o.filter_w, o.stride_w, 1);
          pads = {t, l, bt, r};
        }
        std::string y = b_.Op(code == TfliteOp::kMaxPool2d ? "MaxPool" : "AveragePool", {x.name},
                              {Attr("kernel_shape", {int64_t{o.filter_h}, int64_t{o.filter_w}}),
                               Attr("strides", {int64_t{o.stride_h}, int64_t{o.stride_w}}),
                               Attr("pads", pads)});
        Set(op, Activate(y, o.activation), true);
        return OkStatus();
      }
      case TfliteOp::kConcatenation: {
        std::vector<std::string> ins;
        bool nchw = false;
        for (int32_t t : op.inputs) {
          CANDOR_ASSIGN_OR_RETURN(Val v, Get(t));
          if (!ins.empty() && v.nchw != nchw) return UnimplementedError("concatenation of mixed layouts");
          nchw = v.nchw;
          ins.push_back(v.name);
        }
        const int64_t rank = static_cast<int64_t>(m_.tensors[op.outputs[0]].shape.size());
        int64_t axis = o.axis < 0 ? o.axis + rank : o.axis;
        if (axis < 0 || axis >= rank || (nchw && rank != 4)) return DataLossError("concatenation axis out of range");
        if (nchw) axis = std::vector<int64_t>{0, 2, 3, 1}[axis];
        Set(op, Activate(b_.Op("Concat", ins, {Attr("axis", axis)}), o.activation), nchw);
        return OkStatus();
      }
      case TfliteOp::kReshape: {
        CANDOR_RETURN_IF_ERROR(need_inputs(1));
        CANDOR_ASSIGN_OR_RETURN(Val x, Get(op.inputs[0]));
        const auto& xs = m_.tensors[op.inputs[0]].shape;
        const auto& ys = m_.tensors[op.outputs[0]].shape;
        if (xs.empty() || ys.empty() || xs[0] != ys[0]) {
          return UnimplementedError("RESHAPE that changes the batch dimension");
        }
        if (x.nchw && xs.size() == 4 && xs[1] == 1 && xs[2] == 1 && ys.size() == 2) {
          Set(op, b_.Op("Flatten", {x.name}, {Attr("axis", 1)}), false);  // same order either layout
          return OkStatus();
        }
        std::string in = x.name;
        if (x.nchw) in = b_.Op("Transpose", {in}, {Attr("perm", {0, 2, 3, 1})});
        std::vector<int64_t> shape = {-1};
        for (size_t k = 1; k < ys.size(); ++k) shape.push_back(ys[k]);
        std::string y = b_.Op("Reshape", {in, b_.AddShape("shape", shape)});
        if (ys.size() == 4) {
          Set(op, b_.Op("Transpose", {y}, {Attr("perm", {0, 3, 1, 2})}), true);
        } else {
          Set(op, y, false);
        }
        return OkStatus();
      }
      default:
        return UnimplementedError("TFLite op " + TfliteOpName(op.builtin_code) +
                                  (op.custom_code.empty() ? "" : " (" + op.custom_code + ")") +
                                  " is not supported");
    }
  }

  const TfliteModel& m_;
  OnnxBuilder& b_;
  std::map<int32_t, Val> vals_;
  std::vector<bool> skip_;
  std::map<size_t, std::pair<int32_t, std::vector<float>>> prelu_slope_;  // ADD index -> (x, slopes)
};

}  // namespace

StatusOr<TfliteToOnnxResult> TfliteToOnnx(const TfliteModel& model, OnnxBuilder& builder,
                                          const std::string& input_name,
                                          const std::vector<std::string>& output_names) {
  return Converter(model, builder).Run(input_name, output_names);
}

}  // namespace candor::convert
