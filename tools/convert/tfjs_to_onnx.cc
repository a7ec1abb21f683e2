// Copyright 2026 The Candor Authors.

#include "tfjs_to_onnx.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <set>

namespace candor::convert {
namespace {

// A converted tensor. `shape` is always the TF (NHWC) logical shape, -1 for
// unknown (the batch). A rank-4 tensor is stored NCHW when `nchw` is true.
struct Val {
  std::string name;             // ONNX tensor name; empty for a constant
  std::vector<int64_t> shape;   // TF logical shape
  bool nchw = false;
  const TfWeight* c = nullptr;  // set for constants
  std::string tf_name;          // source node
  bool is_const() const { return c != nullptr; }
  int rank() const { return static_cast<int>(shape.size()); }
};

constexpr int kNhwcToNchw[4] = {0, 2, 3, 1};  // TF axis -> NCHW axis

int64_t Numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Status Unimpl(const TfNode& n, const std::string& what) {
  return UnimplementedError("node '" + n.name + "' (" + n.op + "): " + what);
}

std::string Join(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';  // two appends: GCC 12 warns (-Wrestrict, false positive) on "," + to_string
    s += std::to_string(v[i]);
  }
  return s + "]";
}

class Impl {
 public:
  Impl(const TfGraphModel& m, const TfjsConvertOptions& o, OnnxBuilder& b, TfjsConvertReport& r)
      : m_(m), o_(o), b_(b), r_(r) {}

  Status Run();

 private:
  StatusOr<Val> Get(const std::string& tf_name);
  StatusOr<Val> Convert(const TfNode& n);
  const TfNode* Node(const std::string& name) const {
    std::string base = name;
    return m_.Find(base);
  }
  // The node behind an input, skipping Identity.
  const TfNode* Producer(const std::string& name) const {
    const TfNode* n = m_.Find(name);
    while (n && (n->op == "Identity" || n->op == "StopGradient" || n->op == "Snapshot") && !n->inputs.empty())
      n = m_.Find(n->inputs[0]);
    return n;
  }
  const TfWeight* ConstOf(const std::string& name) const {
    const TfNode* n = Producer(name);
    if (!n || n->op != "Const") return nullptr;
    auto it = m_.weights.find(n->name);
    return it == m_.weights.end() ? nullptr : &it->second;
  }

  std::string ToNchw(const Val& v);
  std::string ToTf(const Val& v);
  std::string Materialize(const Val& v);  // a constant as a TF-layout initializer
  Val Out(std::string name, std::vector<int64_t> shape, bool nchw, const TfNode& n) {
    Val v;
    v.name = std::move(name);
    v.shape = std::move(shape);
    v.nchw = nchw;
    v.tf_name = n.name;
    return v;
  }

  StatusOr<Val> ConvLike(const TfNode& n, bool depthwise, const std::vector<std::string>& fused);
  StatusOr<Val> Pool(const TfNode& n);
  StatusOr<Val> PadOp(const TfNode& n);
  StatusOr<Val> Binary(const TfNode& n);
  StatusOr<Val> Unary(const TfNode& n, const std::string& op);
  StatusOr<Val> Activation(const TfNode& n, const Val& x, const std::string& act, const std::vector<float>& prelu,
                           float alpha, const std::string& out);
  StatusOr<Val> Reduce(const TfNode& n);
  StatusOr<Val> ReshapeOp(const TfNode& n);
  StatusOr<Val> SqueezeOp(const TfNode& n);
  StatusOr<Val> ConcatOp(const TfNode& n);
  StatusOr<Val> MatMulOp(const TfNode& n);
  // Fusions; return nullopt-like (empty name) when the pattern does not match.
  StatusOr<Val> TryPreluIdiom(const TfNode& add);
  StatusOr<Val> TryL2Normalize(const TfNode& mul);
  std::vector<float> MaybeRepair(std::vector<float> slopes) {
    if (o_.repair_prelu_signs) {
      for (float& s : slopes) s = -s;
      ++r_.prelu_repaired;
    }
    return slopes;
  }

  const TfGraphModel& m_;
  const TfjsConvertOptions& o_;
  OnnxBuilder& b_;
  TfjsConvertReport& r_;
  std::map<std::string, Val> memo_;
  std::set<std::string> in_progress_;
  std::map<std::string, std::string> to_nchw_, to_tf_;
};

std::string Impl::ToNchw(const Val& v) {
  if (v.is_const()) return Materialize(v);
  if (v.rank() != 4 || v.nchw) return v.name;
  auto it = to_nchw_.find(v.name);
  if (it != to_nchw_.end()) return it->second;
  ++r_.transposes;
  std::string t = b_.Op("Transpose", {v.name}, {Attr("perm", {0, 3, 1, 2})}, v.name + "_nchw");
  to_nchw_[v.name] = t;
  return t;
}

std::string Impl::ToTf(const Val& v) {
  if (v.is_const()) return Materialize(v);
  if (v.rank() != 4 || !v.nchw) return v.name;
  auto it = to_tf_.find(v.name);
  if (it != to_tf_.end()) return it->second;
  ++r_.transposes;
  std::string t = b_.Op("Transpose", {v.name}, {Attr("perm", {0, 2, 3, 1})}, v.name + "_nhwc");
  to_tf_[v.name] = t;
  return t;
}

std::string Impl::Materialize(const Val& v) {
  if (v.c->is_int) return b_.AddInt64(v.tf_name, v.c->shape, v.c->i);
  return b_.AddFloat(v.tf_name, v.c->shape, v.c->f);
}

StatusOr<Val> Impl::Get(const std::string& tf_name) {
  std::string name = tf_name;
  auto colon = name.rfind(':');
  if (colon != std::string::npos && name.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    if (name.substr(colon + 1) != "0")
      return UnimplementedError("multi-output tensors are not supported: " + tf_name);
    name.resize(colon);
  }
  auto it = memo_.find(name);
  if (it != memo_.end()) return it->second;
  const TfNode* n = m_.Find(name);
  if (!n) return InvalidArgumentError("unknown tensor " + tf_name);
  if (in_progress_.count(name)) return InvalidArgumentError("cycle in the graph at " + name);
  in_progress_.insert(name);
  StatusOr<Val> v = Convert(*n);
  in_progress_.erase(name);
  if (!v.ok()) return v;
  if (!v->is_const()) r_.source_ops[n->op]++;
  memo_[name] = *v;
  return v;
}

StatusOr<Val> Impl::Convert(const TfNode& n) {
  const std::string& op = n.op;
  if (op == "Const") {
    auto it = m_.weights.find(n.name);
    if (it == m_.weights.end()) return InvalidArgumentError("constant " + n.name + " has no weights");
    Val v;
    v.c = &it->second;
    v.shape = it->second.shape;
    v.tf_name = n.name;
    return v;
  }
  if (op == "Placeholder") return InvalidArgumentError("more than one graph input: " + n.name);
  if (op == "Identity" || op == "StopGradient" || op == "Snapshot") {
    if (n.inputs.empty()) return InvalidArgumentError(n.name + ": no input");
    return Get(n.inputs[0]);
  }
  if (op == "Conv2D") return ConvLike(n, false, {});
  if (op == "DepthwiseConv2dNative") return ConvLike(n, true, {});
  if (op == "_FusedConv2D") return ConvLike(n, false, AttrStrings(n, "fused_ops"));
  if (op == "FusedDepthwiseConv2dNative") return ConvLike(n, true, AttrStrings(n, "fused_ops"));
  if (op == "MaxPool" || op == "AvgPool") return Pool(n);
  if (op == "Pad" || op == "PadV2" || op == "MirrorPad") return PadOp(n);
  if (op == "Add" || op == "AddV2") {
    CANDOR_ASSIGN_OR_RETURN(Val fused, TryPreluIdiom(n));
    if (!fused.name.empty()) return fused;
    return Binary(n);
  }
  if (op == "Mul") {
    CANDOR_ASSIGN_OR_RETURN(Val fused, TryL2Normalize(n));
    if (!fused.name.empty()) return fused;
    return Binary(n);
  }
  if (op == "BiasAdd" || op == "Sub" || op == "RealDiv" || op == "Div" || op == "Maximum" || op == "Minimum")
    return Binary(n);
  if (op == "Relu" || op == "Relu6" || op == "Sigmoid" || op == "Tanh" || op == "Elu" || op == "LeakyRelu" ||
      op == "Prelu") {
    if (n.inputs.empty()) return InvalidArgumentError(n.name + ": no input");
    CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
    std::vector<float> slopes;
    if (op == "Prelu") {
      if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": Prelu needs alpha");
      const TfWeight* a = ConstOf(n.inputs[1]);
      if (!a || a->is_int) return Unimpl(n, "non-constant PReLU alpha");
      slopes = a->f;
    }
    return Activation(n, x, op, slopes, AttrFloat(n, "alpha", 0.2f), n.name);
  }
  if (op == "Abs" || op == "Neg" || op == "Square" || op == "Sqrt" || op == "Rsqrt" || op == "Exp" ||
      op == "Softmax" || op == "Reciprocal")
    return Unary(n, op);
  if (op == "Sum" || op == "Mean" || op == "Max" || op == "Min") return Reduce(n);
  if (op == "Reshape") return ReshapeOp(n);
  if (op == "Squeeze") return SqueezeOp(n);
  if (op == "ConcatV2") return ConcatOp(n);
  if (op == "MatMul") return MatMulOp(n);
  if (op == "Transpose" || op == "ExpandDims") {
    if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": needs 2 inputs");
    CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
    const TfWeight* p = ConstOf(n.inputs[1]);
    if (!p || !p->is_int) return Unimpl(n, "non-constant perm/axis");
    std::string xt = ToTf(x);
    if (op == "Transpose") {
      if (static_cast<int>(p->i.size()) != x.rank()) return InvalidArgumentError(n.name + ": bad perm");
      std::vector<int64_t> shape;
      for (int64_t a : p->i) shape.push_back(x.shape[a]);
      return Out(b_.Op("Transpose", {xt}, {Attr("perm", p->i)}, n.name), shape, false, n);
    }
    int64_t axis = p->i.at(0);
    if (axis < 0) axis += x.rank() + 1;
    std::vector<int64_t> shape = x.shape;
    shape.insert(shape.begin() + axis, 1);
    return Out(b_.Op("Unsqueeze", {xt}, {Attr("axes", {axis})}, n.name), shape, false, n);
  }
  return Unimpl(n, "op not supported");
}

StatusOr<Val> Impl::Activation(const TfNode& n, const Val& x, const std::string& act,
                               const std::vector<float>& prelu, float alpha, const std::string& out) {
  const std::string in = x.rank() == 4 ? ToNchw(x) : x.name;
  const bool nchw = x.rank() == 4;
  std::string y;
  if (act == "Relu") {
    y = b_.Op("Relu", {in}, {}, out);
  } else if (act == "Relu6") {
    y = b_.Relu6(in, out);
  } else if (act == "Sigmoid") {
    y = b_.Op("Sigmoid", {in}, {}, out);
  } else if (act == "Tanh") {
    y = b_.Op("Tanh", {in}, {}, out);
  } else if (act == "Elu") {
    y = b_.Op("Elu", {in}, {Attr("alpha", 1.f)}, out);
  } else if (act == "LeakyRelu") {
    y = b_.Op("LeakyRelu", {in}, {Attr("alpha", alpha)}, out);
  } else if (act == "Prelu") {
    const int64_t c = x.shape.empty() ? 0 : x.shape.back();
    std::vector<float> s = prelu;
    if (static_cast<int64_t>(s.size()) == 1 && c > 1) s.assign(c, s[0]);
    if (static_cast<int64_t>(s.size()) != c) return Unimpl(n, "PReLU alpha is not per-channel");
    s = MaybeRepair(s);
    if (nchw) {
      y = b_.PRelu(in, s, out);
    } else {
      std::string slope = b_.AddFloat(out + "_slope", {c}, s);
      y = b_.Op("PRelu", {in, slope}, {}, out);
    }
  } else {
    return Unimpl(n, "fused activation " + act);
  }
  return Out(y, x.shape, nchw, n);
}

StatusOr<Val> Impl::ConvLike(const TfNode& n, bool depthwise, const std::vector<std::string>& fused) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": convolution needs input and filter");
  const std::string fmt = AttrString(n, "data_format", "NHWC");
  if (fmt != "NHWC") return Unimpl(n, "data_format " + fmt);
  const TfWeight* f = ConstOf(n.inputs[1]);
  if (!f || f->is_int || f->shape.size() != 4) return Unimpl(n, "filter must be a constant 4-D float tensor");

  // Fold a zero spatial Pad feeding this convolution into its padding.
  std::string x_name = n.inputs[0];
  int64_t extra[4] = {0, 0, 0, 0};  // top, left, bottom, right
  if (const TfNode* p = Producer(x_name);
      p && (p->op == "Pad" || (p->op == "PadV2" && p->inputs.size() > 2 && ConstOf(p->inputs[2]) &&
                                ConstOf(p->inputs[2])->size() == 1 && ConstOf(p->inputs[2])->f.at(0) == 0.f))) {
    const TfWeight* pads = p->inputs.size() > 1 ? ConstOf(p->inputs[1]) : nullptr;
    if (pads && pads->is_int && pads->i.size() == 8 && pads->i[0] == 0 && pads->i[1] == 0 && pads->i[6] == 0 &&
        pads->i[7] == 0) {
      extra[0] = pads->i[2];
      extra[2] = pads->i[3];
      extra[1] = pads->i[4];
      extra[3] = pads->i[5];
      x_name = p->inputs[0];
      ++r_.pads_folded;
    }
  }
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(x_name));
  if (x.rank() != 4) return Unimpl(n, "input of rank " + std::to_string(x.rank()));
  const int64_t in_h = x.shape[1] + extra[0] + extra[2], in_w = x.shape[2] + extra[1] + extra[3];
  const int64_t in_c = x.shape[3];
  if (in_h <= 0 || in_w <= 0 || in_c <= 0) return Unimpl(n, "unknown spatial input size " + Join(x.shape));

  const int64_t kh = f->shape[0], kw = f->shape[1];
  std::vector<int64_t> st = AttrInts(n, "strides"), dl = AttrInts(n, "dilations");
  if (st.size() != 4) st = {1, 1, 1, 1};
  if (dl.size() != 4) dl = {1, 1, 1, 1};
  const int64_t sh = st[1], sw = st[2], dh = dl[1], dw = dl[2];
  if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0) return InvalidArgumentError(n.name + ": bad strides/dilations");
  const std::string padding = AttrString(n, "padding", "VALID");
  const int64_t ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
  int64_t pt = extra[0], pl = extra[1], pb = extra[2], pr = extra[3];
  int64_t out_h, out_w;
  if (padding == "SAME") {
    out_h = (in_h + sh - 1) / sh;
    out_w = (in_w + sw - 1) / sw;
    const int64_t th = std::max<int64_t>((out_h - 1) * sh + ekh - in_h, 0);
    const int64_t tw = std::max<int64_t>((out_w - 1) * sw + ekw - in_w, 0);
    pt += th / 2;
    pb += th - th / 2;
    pl += tw / 2;
    pr += tw - tw / 2;
  } else if (padding == "VALID" || padding == "EXPLICIT") {
    int64_t eh = in_h, ew = in_w;
    if (padding == "EXPLICIT") {
      std::vector<int64_t> ep = AttrInts(n, "explicit_paddings");
      if (ep.size() != 8) return InvalidArgumentError(n.name + ": explicit_paddings needs 8 values");
      pt += ep[2];
      pb += ep[3];
      pl += ep[4];
      pr += ep[5];
      eh += ep[2] + ep[3];
      ew += ep[4] + ep[5];
    }
    out_h = (eh - ekh) / sh + 1;
    out_w = (ew - ekw) / sw + 1;
  } else {
    return Unimpl(n, "padding " + padding);
  }
  if (out_h <= 0 || out_w <= 0) return InvalidArgumentError(n.name + ": kernel larger than input");

  // Weights to ONNX [M, C/group, kh, kw].
  int64_t out_c, group = 1;
  std::vector<float> w;
  std::vector<int64_t> w_dims;
  if (depthwise) {
    const int64_t ci = f->shape[2], mult = f->shape[3];
    if (ci != in_c) return InvalidArgumentError(n.name + ": filter channels != input channels");
    out_c = ci * mult;
    group = ci;
    w.resize(out_c * kh * kw);
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t xk = 0; xk < kw; ++xk)
        for (int64_t c = 0; c < ci; ++c)
          for (int64_t m = 0; m < mult; ++m)
            w[((c * mult + m) * kh + y) * kw + xk] = f->f[((y * kw + xk) * ci + c) * mult + m];
    w_dims = {out_c, 1, kh, kw};
  } else {
    const int64_t ci = f->shape[2];
    out_c = f->shape[3];
    if (in_c % ci != 0) return InvalidArgumentError(n.name + ": filter channels do not divide input channels");
    group = in_c / ci;
    w.resize(out_c * ci * kh * kw);
    for (int64_t y = 0; y < kh; ++y)
      for (int64_t xk = 0; xk < kw; ++xk)
        for (int64_t c = 0; c < ci; ++c)
          for (int64_t o = 0; o < out_c; ++o)
            w[((o * ci + c) * kh + y) * kw + xk] = f->f[((y * kw + xk) * ci + c) * out_c + o];
    w_dims = {out_c, ci, kh, kw};
  }

  // Fused ops: BiasAdd / FusedBatchNorm, then at most one activation.
  std::vector<float> bias;
  std::string act;
  std::vector<float> prelu;
  size_t arg = 2;
  auto next_arg = [&]() -> const TfWeight* {
    if (arg >= n.inputs.size()) return nullptr;
    return ConstOf(n.inputs[arg++]);
  };
  for (const std::string& op : fused) {
    if (op == "BiasAdd") {
      const TfWeight* bw = next_arg();
      if (!bw || bw->is_int || bw->size() != out_c) return Unimpl(n, "fused BiasAdd needs a constant [C] bias");
      bias = bw->f;
    } else if (op == "FusedBatchNorm") {
      const TfWeight* sc = next_arg();
      const TfWeight* of = next_arg();
      const TfWeight* mn = next_arg();
      const TfWeight* vr = next_arg();
      if (!sc || !of || !mn || !vr || sc->size() != out_c || of->size() != out_c || mn->size() != out_c ||
          vr->size() != out_c)
        return Unimpl(n, "fused FusedBatchNorm needs constant [C] scale/offset/mean/variance");
      const float eps = AttrFloat(n, "epsilon", 1e-3f);
      bias.assign(out_c, 0.f);
      const int64_t per_out = static_cast<int64_t>(w.size()) / out_c;
      for (int64_t o = 0; o < out_c; ++o) {
        const float k = sc->f[o] / std::sqrt(vr->f[o] + eps);
        for (int64_t i = 0; i < per_out; ++i) w[o * per_out + i] *= k;
        bias[o] = of->f[o] - mn->f[o] * k;
      }
    } else if (op == "Relu" || op == "Relu6" || op == "Elu" || op == "Sigmoid" || op == "Tanh" ||
               op == "LeakyRelu") {
      act = op;
    } else if (op == "Prelu") {
      act = op;
      const TfWeight* a = next_arg();
      if (!a || a->is_int) return Unimpl(n, "fused Prelu needs a constant alpha");
      prelu = a->f;
    } else {
      return Unimpl(n, "fused op " + op);
    }
  }

  const std::string conv_out = act.empty() ? n.name : n.name + "/conv";
  std::string y = b_.Conv(ToNchw(x), w, w_dims, bias, {sh, sw}, {pt, pl, pb, pr}, group, {dh, dw}, conv_out,
                          {x.shape[1], x.shape[2]});
  Val v = Out(y, {x.shape[0], out_h, out_w, out_c}, true, n);
  if (act.empty()) return v;
  return Activation(n, v, act, prelu, AttrFloat(n, "leakyrelu_alpha", 0.2f), n.name);
}

StatusOr<Val> Impl::Pool(const TfNode& n) {
  if (n.inputs.empty()) return InvalidArgumentError(n.name + ": no input");
  if (AttrString(n, "data_format", "NHWC") != "NHWC") return Unimpl(n, "data_format");
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
  if (x.rank() != 4 || x.shape[1] <= 0 || x.shape[2] <= 0) return Unimpl(n, "needs a 4-D input of known size");
  std::vector<int64_t> k = AttrInts(n, "ksize"), st = AttrInts(n, "strides");
  if (k.size() != 4 || st.size() != 4 || k[0] != 1 || k[3] != 1) return Unimpl(n, "ksize/strides");
  if (k[1] <= 0 || k[2] <= 0 || st[1] <= 0 || st[2] <= 0) return InvalidArgumentError(n.name + ": bad ksize/strides");
  const std::string padding = AttrString(n, "padding", "VALID");
  const int64_t ih = x.shape[1], iw = x.shape[2];
  int64_t oh, ow, pt = 0, pl = 0, pb = 0, pr = 0;
  if (padding == "SAME") {
    oh = (ih + st[1] - 1) / st[1];
    ow = (iw + st[2] - 1) / st[2];
    const int64_t th = std::max<int64_t>((oh - 1) * st[1] + k[1] - ih, 0);
    const int64_t tw = std::max<int64_t>((ow - 1) * st[2] + k[2] - iw, 0);
    pt = th / 2;
    pb = th - pt;
    pl = tw / 2;
    pr = tw - pl;
  } else if (padding == "VALID") {
    oh = (ih - k[1]) / st[1] + 1;
    ow = (iw - k[2]) / st[2] + 1;
  } else {
    return Unimpl(n, "padding " + padding);
  }
  if (ih < k[1] || iw < k[2]) return InvalidArgumentError(n.name + ": pooling window larger than input");
  std::vector<Attr> attrs = {Attr("kernel_shape", std::vector<int64_t>{k[1], k[2]}),
                             Attr("strides", std::vector<int64_t>{st[1], st[2]}),
                             Attr("pads", std::vector<int64_t>{pt, pl, pb, pr})};
  if (n.op == "AvgPool") attrs.push_back(Attr("count_include_pad", 0));
  std::string y = b_.Op(n.op == "MaxPool" ? "MaxPool" : "AveragePool", {ToNchw(x)}, attrs, n.name);
  return Out(y, {x.shape[0], oh, ow, x.shape[3]}, true, n);
}

StatusOr<Val> Impl::PadOp(const TfNode& n) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": Pad needs paddings");
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
  const TfWeight* p = ConstOf(n.inputs[1]);
  if (!p || !p->is_int || static_cast<int>(p->i.size()) != 2 * x.rank()) return Unimpl(n, "paddings must be constant");
  float value = 0.f;
  if (n.op == "PadV2" && n.inputs.size() > 2) {
    const TfWeight* v = ConstOf(n.inputs[2]);
    if (!v || v->size() != 1) return Unimpl(n, "constant_values must be a scalar constant");
    value = v->is_int ? static_cast<float>(v->i[0]) : v->f[0];
  }
  std::string mode = "constant";
  if (n.op == "MirrorPad") {
    const std::string m = AttrString(n, "mode", "REFLECT");
    if (m != "REFLECT") return Unimpl(n, "MirrorPad mode " + m);
    mode = "reflect";
  }
  const int r = x.rank();
  std::vector<int64_t> pads(2 * r);
  std::vector<int64_t> shape = x.shape;
  const bool nchw = r == 4;
  for (int a = 0; a < r; ++a) {
    const int pa = nchw ? kNhwcToNchw[a] : a;
    pads[pa] = p->i[2 * a];
    pads[r + pa] = p->i[2 * a + 1];
    if (shape[a] >= 0) shape[a] += p->i[2 * a] + p->i[2 * a + 1];
  }
  std::string in = nchw ? ToNchw(x) : x.name;
  std::string y = b_.Op("Pad", {in}, {Attr("mode", mode), Attr("pads", pads), Attr("value", value)}, n.name);
  return Out(y, shape, nchw, n);
}

StatusOr<Val> Impl::Binary(const TfNode& n) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": needs 2 inputs");
  CANDOR_ASSIGN_OR_RETURN(Val a, Get(n.inputs[0]));
  CANDOR_ASSIGN_OR_RETURN(Val bb, Get(n.inputs[1]));
  std::string op = n.op;
  if (op == "AddV2" || op == "BiasAdd") op = "Add";
  if (op == "RealDiv") op = "Div";
  if (op == "Maximum") op = "Max";
  if (op == "Minimum") op = "Min";
  if (a.is_const() && bb.is_const()) return Unimpl(n, "both operands constant");

  if (a.is_const() || bb.is_const()) {
    const bool const_first = a.is_const();
    const Val& c = const_first ? a : bb;
    const Val& x = const_first ? bb : a;
    if (c.c->is_int) return Unimpl(n, "integer constant operand");
    const int64_t cn = c.c->size();
    const int64_t ch = x.shape.empty() ? -1 : x.shape.back();
    const bool x4 = x.rank() == 4;
    std::string xin = x4 ? ToNchw(x) : x.name;
    std::string xv = xin;
    // c - x  ==  (-1 * x) + c
    if (const_first && op == "Sub") {
      xv = b_.Op("Mul", {xin, b_.AddFloat(n.name + "_neg1", {1}, {-1.f})}, {}, n.name + "_neg");
      op = "Add";
    }
    if (const_first && op == "Div") return Unimpl(n, "division of a constant by a tensor");
    if (cn == 1) {
      const float v = c.c->f[0];
      if (op == "Max") return Out(b_.Clip(xv, v, FLT_MAX, n.name), x.shape, x4, n);
      if (op == "Min") return Out(b_.Clip(xv, -FLT_MAX, v, n.name), x.shape, x4, n);
      std::string k = b_.AddFloat(n.name + "_const", {1}, {v});
      return Out(b_.Op(op, {xv, k}, {}, n.name), x.shape, x4, n);
    }
    if (op == "Max" || op == "Min") return Unimpl(n, "max/min with a non-scalar constant (OpenCV 4.6 rejects it)");
    if (cn == ch && Numel(c.shape) == cn) {
      std::string k = x4 ? b_.AddChannelConst(n.name + "_const", c.c->f)
                         : b_.AddFloat(n.name + "_const", {cn}, c.c->f);
      return Out(b_.Op(op, {xv, k}, {}, n.name), x.shape, x4, n);
    }
    return Unimpl(n, "constant operand of shape " + Join(c.shape) + " with tensor " + Join(x.shape));
  }

  // Two tensors: same layout; 4-D pairs stay NCHW.
  std::string ia, ib;
  bool nchw = false;
  if (a.rank() == 4 && bb.rank() == 4) {
    ia = ToNchw(a);
    ib = ToNchw(bb);
    nchw = true;
  } else {
    ia = ToTf(a);
    ib = ToTf(bb);
  }
  std::vector<int64_t> shape = a.rank() >= bb.rank() ? a.shape : bb.shape;
  if (a.rank() == bb.rank())
    for (int i = 0; i < a.rank(); ++i) shape[i] = std::max(a.shape[i], bb.shape[i]);
  return Out(b_.Op(op, {ia, ib}, {}, n.name), shape, nchw, n);
}

StatusOr<Val> Impl::Unary(const TfNode& n, const std::string& op) {
  if (n.inputs.empty()) return InvalidArgumentError(n.name + ": no input");
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
  if (x.is_const()) return Unimpl(n, "constant input");
  const bool x4 = x.rank() == 4;
  std::string in = x4 ? ToNchw(x) : x.name;
  std::string y;
  if (op == "Abs" || op == "Sqrt" || op == "Exp" || op == "Reciprocal") {
    y = b_.Op(op, {in}, {}, n.name);
  } else if (op == "Neg") {
    y = b_.Op("Mul", {in, b_.AddFloat(n.name + "_neg1", {1}, {-1.f})}, {}, n.name);
  } else if (op == "Square") {
    y = b_.Op("Mul", {in, in}, {}, n.name);
  } else if (op == "Rsqrt") {
    y = b_.Op("Reciprocal", {b_.Op("Sqrt", {in}, {}, n.name + "_sqrt")}, {}, n.name);
  } else if (op == "Softmax") {
    in = ToTf(x);
    y = b_.Op("Softmax", {in}, {Attr("axis", x.rank() - 1)}, n.name);
    return Out(y, x.shape, false, n);
  }
  return Out(y, x.shape, x4, n);
}

StatusOr<Val> Impl::Reduce(const TfNode& n) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": needs axes");
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
  const TfWeight* ax = ConstOf(n.inputs[1]);
  if (!ax || !ax->is_int) return Unimpl(n, "non-constant axes");
  const bool keep = AttrBool(n, "keep_dims", false);
  std::set<int64_t> axes;
  for (int64_t a : ax->i) axes.insert(a < 0 ? a + x.rank() : a);
  const std::string onnx_op = n.op == "Sum" ? "ReduceSum" : n.op == "Mean" ? "ReduceMean"
                              : n.op == "Max" ? "ReduceMax" : "ReduceMin";
  std::vector<int64_t> shape;
  for (int i = 0; i < x.rank(); ++i) {
    if (!axes.count(i)) shape.push_back(x.shape[i]);
    else if (keep) shape.push_back(1);
  }
  // NCHW can stay when the result keeps TF's order: keep_dims, or H and W both reduced.
  const bool stay = x.rank() == 4 && x.nchw && (keep || (axes.count(1) && axes.count(2)));
  std::vector<int64_t> oa;
  for (int64_t a : axes) oa.push_back(stay ? kNhwcToNchw[a] : a);
  std::sort(oa.begin(), oa.end());
  std::string in = stay ? x.name : ToTf(x);
  std::string y = b_.Op(onnx_op, {in}, {Attr("axes", oa), Attr("keepdims", keep ? 1 : 0)}, n.name);
  const bool nchw = stay && static_cast<int>(shape.size()) == 4;
  if (stay && shape.size() != 4 && !(axes.count(1) && axes.count(2) && !axes.count(3)))
    return Unimpl(n, "reduction that changes the channel order");
  return Out(y, shape, nchw, n);
}

StatusOr<Val> Impl::ReshapeOp(const TfNode& n) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": needs a shape");
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
  const TfWeight* s = ConstOf(n.inputs[1]);
  if (!s || !s->is_int) return Unimpl(n, "non-constant target shape");
  std::vector<int64_t> target = s->i;
  const bool other_unknown = std::count(target.begin() + (target.empty() ? 0 : 1), target.end(), -1) > 0;
  if (o_.dynamic_batch && !target.empty() && (target[0] == 1 || target[0] == -1) && !other_unknown) target[0] = -1;
  // NCHW [N,C,1,1] has NHWC order already; otherwise go to NHWC first.
  const bool direct = x.rank() == 4 && x.nchw && x.shape[1] == 1 && x.shape[2] == 1;
  std::string in = direct ? x.name : ToTf(x);
  std::string shape_name = b_.AddShape(n.name + "/shape", target);
  std::string y = b_.Op("Reshape", {in, shape_name}, {}, n.name);
  // Output shape (batch unknown).
  std::vector<int64_t> out = target;
  int64_t known = 1;
  for (size_t i = 1; i < out.size(); ++i) known *= out[i] > 0 ? out[i] : 1;
  int64_t per_batch = 1;
  bool per_batch_known = true;
  for (int i = 1; i < x.rank(); ++i) {
    if (x.shape[i] < 0) per_batch_known = false;
    else per_batch *= x.shape[i];
  }
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i] == -1) out[i] = per_batch_known && known > 0 ? per_batch / known : -1;
  return Out(y, out, false, n);
}

StatusOr<Val> Impl::SqueezeOp(const TfNode& n) {
  if (n.inputs.empty()) return InvalidArgumentError(n.name + ": no input");
  CANDOR_ASSIGN_OR_RETURN(Val x, Get(n.inputs[0]));
  std::vector<int64_t> dims = AttrInts(n, "squeeze_dims");
  if (dims.empty()) dims = AttrInts(n, "axis");
  if (dims.empty())
    for (int i = 1; i < x.rank(); ++i)
      if (x.shape[i] == 1) dims.push_back(i);
  std::set<int64_t> ds;
  for (int64_t d : dims) ds.insert(d < 0 ? d + x.rank() : d);
  std::vector<int64_t> shape;
  for (int i = 0; i < x.rank(); ++i)
    if (!ds.count(i)) shape.push_back(x.shape[i]);
  const bool hw = x.rank() == 4 && x.nchw && ds == std::set<int64_t>{1, 2};
  if (hw && x.shape[3] > 0) {  // [N,C,1,1] -> [N,C] as a Reshape (batch stays free)
    std::string s = b_.AddShape(n.name + "/shape", {-1, x.shape[3]});
    return Out(b_.Op("Reshape", {x.name, s}, {}, n.name), shape, false, n);
  }
  std::vector<int64_t> axes;
  std::string in;
  if (hw) {
    axes = {2, 3};
    in = x.name;
  } else {
    axes.assign(ds.begin(), ds.end());
    in = ToTf(x);
  }
  return Out(b_.Op("Squeeze", {in}, {Attr("axes", axes)}, n.name), shape, false, n);
}

StatusOr<Val> Impl::ConcatOp(const TfNode& n) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": needs inputs and axis");
  const TfWeight* ax = ConstOf(n.inputs.back());
  if (!ax || !ax->is_int || ax->i.size() != 1) return Unimpl(n, "non-constant axis");
  std::vector<Val> vs;
  bool all4 = true;
  for (size_t i = 0; i + 1 < n.inputs.size(); ++i) {
    CANDOR_ASSIGN_OR_RETURN(Val v, Get(n.inputs[i]));
    all4 = all4 && v.rank() == 4;
    vs.push_back(v);
  }
  const int r = vs[0].rank();
  int64_t axis = ax->i[0] < 0 ? ax->i[0] + r : ax->i[0];
  std::vector<std::string> ins;
  std::vector<int64_t> shape = vs[0].shape;
  shape[axis] = 0;
  for (const Val& v : vs) {
    ins.push_back(all4 ? ToNchw(v) : ToTf(v));
    shape[axis] = (shape[axis] < 0 || v.shape[axis] < 0) ? -1 : shape[axis] + v.shape[axis];
  }
  const int64_t oaxis = all4 ? kNhwcToNchw[axis] : axis;
  return Out(b_.Op("Concat", ins, {Attr("axis", oaxis)}, n.name), shape, all4, n);
}

StatusOr<Val> Impl::MatMulOp(const TfNode& n) {
  if (n.inputs.size() < 2) return InvalidArgumentError(n.name + ": needs 2 inputs");
  CANDOR_ASSIGN_OR_RETURN(Val a, Get(n.inputs[0]));
  const TfWeight* w = ConstOf(n.inputs[1]);
  if (!w || w->is_int || w->shape.size() != 2 || a.rank() != 2 || AttrBool(n, "transpose_a"))
    return Unimpl(n, "only [N,K] x constant [K,M] is supported");
  const bool tb = AttrBool(n, "transpose_b");
  const int64_t k = tb ? w->shape[1] : w->shape[0], mm = tb ? w->shape[0] : w->shape[1];
  std::vector<float> wt(mm * k);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < mm; ++j) wt[j * k + i] = tb ? w->f[j * k + i] : w->f[i * mm + j];
  return Out(b_.Gemm(a.name, wt, mm, k, {}, n.name), {a.shape[0], mm}, false, n);
}

// PReLU idioms (TF's `relu(x) + alpha * (x - |x|) * 0.5` export):
//   relu(x) + c*(x - |x|)   ->  PRelu(x, 2c)
//   relu(x) + c*min(x, 0)   ->  PRelu(x, c)
//   x + c*(x - |x|)         ->  PRelu(x, 1 + 2c)   (exact for any x)
// The third form is what human-models' mobilefacenet contains after each
// depthwise convolution: TF.js's converter fused the ReLU of the idiom into the
// convolution (fused_ops [BiasAdd, Relu]) although the convolution's raw output
// also fed Abs and Sub, so as shipped those 16 PReLUs compute a plain ReLU.
// With --repair-prelu-signs the original is restored: the convolution is
// emitted without its fused ReLU and the idiom becomes PRelu(y, -2c).
StatusOr<Val> Impl::TryPreluIdiom(const TfNode& add) {
  Val none;
  if (add.inputs.size() != 2) return none;
  for (int k = 0; k < 2; ++k) {
    const TfNode* relu = Producer(add.inputs[k]);
    const TfNode* mul = Producer(add.inputs[1 - k]);
    if (!relu || !mul || mul->op != "Mul" || mul->inputs.size() != 2) continue;
    const bool relu_form = relu->op == "Relu" && !relu->inputs.empty();
    const std::string x = relu_form ? relu->inputs[0] : add.inputs[k];
    for (int j = 0; j < 2; ++j) {
      const TfWeight* c = ConstOf(mul->inputs[j]);
      const TfNode* inner = Producer(mul->inputs[1 - j]);
      if (!c || c->is_int || !inner) continue;
      float factor = 0.f;
      if (inner->op == "Sub" && inner->inputs.size() == 2 && inner->inputs[0] == x) {
        const TfNode* abs = Producer(inner->inputs[1]);
        if (abs && abs->op == "Abs" && !abs->inputs.empty() && abs->inputs[0] == x) factor = 2.f;
      } else if (relu_form && inner->op == "Minimum" && inner->inputs.size() == 2 && inner->inputs[0] == x) {
        const TfWeight* z = ConstOf(inner->inputs[1]);
        if (z && !z->is_int && z->size() == 1 && z->f[0] == 0.f) factor = 1.f;
      }
      if (factor == 0.f) continue;
      std::vector<float> slopes = c->f;
      for (float& s : slopes) s *= factor;
      if (relu_form) {
        CANDOR_ASSIGN_OR_RETURN(Val xv, Get(x));
        ++r_.prelu_fused;
        return Activation(add, xv, "Prelu", slopes, 0.f, add.name);
      }
      // x + c*(x - |x|).
      const TfNode* conv = Producer(x);
      const bool fused_relu = conv && (conv->op == "_FusedConv2D" || conv->op == "FusedDepthwiseConv2dNative") &&
                              AttrStrings(*conv, "fused_ops").size() == 2 &&
                              AttrStrings(*conv, "fused_ops")[1] == "Relu";
      ++r_.prelu_fused;
      if (o_.repair_prelu_signs && fused_relu) {
        CANDOR_ASSIGN_OR_RETURN(Val y, ConvLike(*conv, conv->op == "FusedDepthwiseConv2dNative",
                                                {AttrStrings(*conv, "fused_ops")[0]}));
        ++r_.relu_unfused;
        return Activation(add, y, "Prelu", slopes, 0.f, add.name);  // MaybeRepair negates
      }
      CANDOR_ASSIGN_OR_RETURN(Val xv, Get(x));
      for (float& s : slopes) s += 1.f;
      if (o_.repair_prelu_signs) {
        return Unimpl(add, "--repair-prelu-signs on x + c*(x - |x|) whose x is not a fused-ReLU convolution");
      }
      return Activation(add, xv, "Prelu", slopes, 0.f, add.name);
    }
  }
  return none;
}

// x * rsqrt(max(sum(x*x, axis, keep), eps))  ->  x / ReduceL2(x, axis)
StatusOr<Val> Impl::TryL2Normalize(const TfNode& mul) {
  Val none;
  if (mul.inputs.size() != 2) return none;
  for (int k = 0; k < 2; ++k) {
    const std::string& x = mul.inputs[k];
    const TfNode* rs = Producer(mul.inputs[1 - k]);
    if (!rs || rs->op != "Rsqrt" || rs->inputs.empty()) continue;
    const TfNode* mx = Producer(rs->inputs[0]);
    if (!mx || mx->op != "Maximum" || mx->inputs.size() != 2) continue;
    const TfWeight* eps = ConstOf(mx->inputs[1]);
    const TfNode* sum = Producer(mx->inputs[0]);
    if (!eps || eps->size() != 1 || !sum || sum->op != "Sum" || sum->inputs.size() != 2 ||
        !AttrBool(*sum, "keep_dims"))
      continue;
    const TfNode* sq = Producer(sum->inputs[0]);
    const TfWeight* ax = ConstOf(sum->inputs[1]);
    if (!sq || sq->op != "Square" || sq->inputs.empty() || sq->inputs[0] != x || !ax || !ax->is_int ||
        ax->i.size() != 1)
      continue;
    CANDOR_ASSIGN_OR_RETURN(Val xv, Get(x));
    if (xv.rank() == 4) continue;
    int64_t axis = ax->i[0] < 0 ? ax->i[0] + xv.rank() : ax->i[0];
    return Out(b_.L2Normalize(xv.name, axis, mul.name), xv.shape, false, mul);
  }
  return none;
}

Status Impl::Run() {
  // The single input.
  const TfNode* input = nullptr;
  for (const auto& n : m_.nodes) {
    if (n.op != "Placeholder") continue;
    if (input) return UnimplementedError("graphs with more than one input are not supported");
    input = &n;
  }
  if (!input) return InvalidArgumentError("the graph has no Placeholder input");
  std::vector<int64_t> shape;
  if (input->attr.contains("shape") && input->attr["shape"].contains("shape") &&
      input->attr["shape"]["shape"].contains("dim")) {
    for (const auto& d : input->attr["shape"]["shape"]["dim"]) {
      const auto& s = d.at("size");
      shape.push_back(s.is_string() ? std::stoll(s.get<std::string>()) : s.get<int64_t>());
    }
  }
  if (shape.empty()) return InvalidArgumentError("input " + input->name + " has no static shape");
  if (o_.dynamic_batch) shape[0] = -1;
  Val in;
  in.name = b_.UniqueName(input->name);
  in.shape = shape;
  in.nchw = shape.size() == 4;
  in.tf_name = input->name;
  std::vector<int64_t> onnx_shape = shape;
  if (in.nchw) onnx_shape = {shape[0], shape[3], shape[1], shape[2]};
  b_.AddInput(in.name, onnx_shape);
  memo_[input->name] = in;
  r_.input.name = in.name;
  r_.input.shape = onnx_shape;
  r_.input.layout = in.nchw ? "NCHW" : "as source";
  r_.input.source = input->name + ":0";

  // Outputs: explicit, else the signature's, else every sink.
  std::vector<std::pair<std::string, std::string>> outs;  // (onnx name hint, source tensor)
  if (!o_.outputs.empty()) {
    for (const auto& s : o_.outputs) outs.emplace_back(s.substr(0, s.find(':')), s);
  } else {
    nlohmann::json sig = m_.signature;
    if (sig.contains("signature")) sig = sig["signature"];
    if (sig.is_object() && sig.contains("outputs") && sig["outputs"].is_object()) {
      for (auto it = sig["outputs"].begin(); it != sig["outputs"].end(); ++it) {
        std::string src = it.value().value("name", it.key());
        std::string key = it.key();
        std::string hint = key.find(':') == std::string::npos ? key : key.substr(0, key.find(':'));
        outs.emplace_back(hint, src);
      }
    } else if (sig.is_object() && !sig.empty()) {  // human-models' flat {key: {name}} form
      for (auto it = sig.begin(); it != sig.end(); ++it) {
        if (!it.value().is_object() || !it.value().contains("name")) continue;
        outs.emplace_back(it.key(), it.value()["name"].get<std::string>());
      }
    }
    if (outs.empty()) {
      std::set<std::string> consumed;
      for (const auto& n : m_.nodes)
        for (const auto& i : n.inputs) consumed.insert(i.substr(0, i.find(':')));
      for (const auto& n : m_.nodes)
        if (!consumed.count(n.name) && n.op != "Const" && n.op != "Placeholder") outs.emplace_back(n.name, n.name);
    }
    std::sort(outs.begin(), outs.end());
  }
  if (outs.empty()) return InvalidArgumentError("the graph has no outputs");

  // Public names first, so that no internal tensor takes them.
  std::vector<std::string> public_names;
  for (const auto& o : outs) public_names.push_back(b_.UniqueName(o.first));
  std::vector<std::string> concat_names;
  for (const auto& c : o_.concat_outputs) concat_names.push_back(b_.UniqueName(c.first));
  std::map<std::string, Val> by_name;
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string& src = outs[i].second;
    CANDOR_ASSIGN_OR_RETURN(Val v, Get(src));
    if (v.is_const()) return InvalidArgumentError("output " + src + " is a constant");
    std::string t = ToTf(v);
    std::string name = b_.OpExact("Identity", {t}, public_names[i]);
    b_.AddOutput(name, v.shape);
    TensorSpec spec;
    spec.name = name;
    spec.shape = v.shape;
    spec.layout = v.rank() == 4 ? "NHWC (as the source)" : "";
    spec.source = src.find(':') == std::string::npos ? src + ":0" : src;
    r_.outputs.push_back(spec);
    Val ov = v;
    ov.name = name;
    ov.nchw = false;
    by_name[name] = ov;
  }
  for (size_t ci = 0; ci < o_.concat_outputs.size(); ++ci) {
    const auto& parts = o_.concat_outputs[ci].second;
    std::vector<std::string> ins;
    std::vector<int64_t> shape;
    std::string desc = "concatenation along axis 1 of";
    for (const auto& p : parts) {
      auto it = by_name.find(p);
      if (it == by_name.end()) return InvalidArgumentError("--concat: no output named " + p);
      if (shape.empty()) {
        shape = it->second.shape;
      } else {
        if (it->second.shape.size() != shape.size() || shape.size() < 2)
          return InvalidArgumentError("--concat: ranks differ");
        shape[1] += it->second.shape[1];
      }
      ins.push_back(it->second.name);
      desc += " " + p;
    }
    std::string y = b_.OpExact("Concat", ins, concat_names[ci], {Attr("axis", 1)});
    b_.AddOutput(y, shape);
    TensorSpec spec;
    spec.name = y;
    spec.shape = shape;
    spec.description = desc;
    r_.outputs.push_back(spec);
  }
  if (o_.repair_prelu_signs && r_.prelu_repaired == 0)
    return FailedPreconditionError("--repair-prelu-signs given but the graph has no PReLU");
  return OkStatus();
}

}  // namespace

StatusOr<TfjsConvertReport> ConvertTfjsGraph(const TfGraphModel& model, const TfjsConvertOptions& options,
                                             OnnxBuilder& builder) {
  TfjsConvertReport report;
  Impl impl(model, options, builder, report);
  try {
    CANDOR_RETURN_IF_ERROR(impl.Run());
  } catch (const std::exception& e) {  // malformed attributes (wrong JSON types, bad numbers)
    return InvalidArgumentError(std::string("malformed graph model: ") + e.what());
  }
  return report;
}

}  // namespace candor::convert
