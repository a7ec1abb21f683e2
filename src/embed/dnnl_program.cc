// Copyright 2026 The Candor Authors.
//
// The compiler: a fusion plan over the ONNX nodes (each Conv with the Pad
// before it and the Slice / Add / activation after it, when each of those
// feeds only the next), then one emission pass in node order. A fused
// convolution is emitted at the position of the last node it absorbed, when
// all its inputs exist. Buffers are never shared between live values, except
// that a residual Add writes into its other operand's buffer when that
// operand has no later reader (oneDNN's sum post-op accumulates in place).

#include "embed/dnnl_program.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace candor {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// A value of the graph: a 4-D activation kept NHWC (`shape` is its logical
// [N, C, H, W]), or a plain row-major tensor of `shape`.
struct Value {
  bool act = false;
  std::vector<int64_t> shape;
  memory mem;
};

// Activations: nChw16c, oneDNN's native layout for AVX-512 (NHWC measured
// no faster with oneDNN 2.6 here, and slower for blazeface-256).
memory::desc ActDesc(const std::vector<int64_t>& s) {
  return memory::desc(memory::dims(s.begin(), s.end()), dt::f32, tag::aBcd16b);
}

int64_t Numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

memory::dims Dims(const std::vector<int64_t>& s) { return memory::dims(s.begin(), s.end()); }

tag PlainTag(size_t rank) {
  switch (rank) {
    case 1: return tag::a;
    case 2: return tag::ab;
    case 3: return tag::abc;
    case 4: return tag::abcd;
    case 5: return tag::abcde;
    default: return tag::undef;
  }
}

std::string Str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// Padding of one spatial axis for ONNX auto_pad / pads.
void SamePad(int64_t in, int64_t k, int64_t s, bool upper, int64_t* lo, int64_t* hi) {
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>(0, (out - 1) * s + k - in);
  *lo = upper ? total / 2 : total - total / 2;
  *hi = total - *lo;
}

}  // namespace

class DnnlCompiler {
 public:
  DnnlCompiler(const OnnxGraph& g, int batch, const dnnl::engine& eng, DnnlProgram* p)
      : g_(g), batch_(batch), eng_(eng), p_(p) {}

  Status Compile() {
    Index();
    CANDOR_RETURN_IF_ERROR(MakeInput());
    Plan();
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      Status s;
      try {
        if (emit_at_[i] >= 0) {
          s = EmitConv(plans_[emit_at_[i]]);
        } else if (!claimed_[i]) {
          s = EmitNode(g_.nodes[i]);
        }
      } catch (const dnnl::error& e) {
        s = UnimplementedError(std::string("oneDNN: ") + e.what());
      }
      if (!s.ok()) {
        return Status(s.code(), "node " + g_.nodes[i].name + " (" + g_.nodes[i].op + "): " + s.message());
      }
    }
    for (const std::string& name : g_.outputs) {
      auto it = vals_.find(name);
      if (it == vals_.end()) return UnimplementedError("output " + name + " was not computed");
      CANDOR_ASSIGN_OR_RETURN(Value flat, ToPlain(it->second));
      p_->outputs_.push_back(flat.mem);
      p_->output_shapes_.push_back(flat.shape);
    }
    return OkStatus();
  }

 private:
  struct ConvPlan {
    int conv = -1, pad = -1, slice = -1, add = -1, act = -1;
    std::string add_other;
    std::string out;  // the name the fused result is stored under
  };

  const OnnxNode& N(int i) const { return g_.nodes[i]; }
  bool IsInit(const std::string& n) const { return g_.initializers.count(n) > 0; }

  void Index() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      for (const auto& in : g_.nodes[i].inputs) {
        if (in.empty() || IsInit(in)) continue;
        ++uses_[in];
        consumer_[in] = static_cast<int>(i);
      }
      for (const auto& out : g_.nodes[i].outputs) producer_[out] = static_cast<int>(i);
    }
    for (const auto& o : g_.outputs) ++uses_[o];
    claimed_.assign(g_.nodes.size(), false);
    emit_at_.assign(g_.nodes.size(), -1);
  }

  // The one node reading `name`, when nothing else (not even the graph's
  // outputs) does; else -1.
  int SoleConsumer(const std::string& name) const {
    auto u = uses_.find(name);
    if (u == uses_.end() || u->second != 1) return -1;
    auto c = consumer_.find(name);
    return c == consumer_.end() ? -1 : c->second;
  }

  // Pad attributes (opset <= 10) or its pads input (opset 11).
  std::vector<int64_t> PadsOf(const OnnxNode& n) const {
    std::vector<int64_t> pads = n.Ints("pads");
    if (pads.empty() && n.inputs.size() > 1 && IsInit(n.inputs[1])) pads = g_.initializers.at(n.inputs[1]).ints;
    return pads;
  }
  bool ZeroConstantPad(const OnnxNode& n) const {
    const std::string mode = n.String("mode");
    if (!mode.empty() && mode != "constant") return false;
    auto v = n.floats.find("value");
    if (v != n.floats.end() && v->second != 0.f) return false;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      if (!IsInit(n.inputs[2])) return false;
      const auto& t = g_.initializers.at(n.inputs[2]);
      if (!t.floats.empty() && t.floats[0] != 0.f) return false;
    }
    return PadsOf(n).size() == 8;
  }
  bool SpatialOnlyPad(const OnnxNode& n) const {
    if (!ZeroConstantPad(n)) return false;
    const auto p = PadsOf(n);
    return p[0] == 0 && p[1] == 0 && p[4] == 0 && p[5] == 0;
  }
  // Slice on spatial axes only, from 0 with step 1 (what a widened convolution leaves).
  bool CropSlice(const OnnxNode& n, std::vector<int64_t>* ends_hw) const {
    if (n.inputs.size() < 3 || !IsInit(n.inputs[1]) || !IsInit(n.inputs[2])) return false;
    const auto& starts = g_.initializers.at(n.inputs[1]).ints;
    const auto& ends = g_.initializers.at(n.inputs[2]).ints;
    std::vector<int64_t> axes;
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) {
      if (!IsInit(n.inputs[3])) return false;
      axes = g_.initializers.at(n.inputs[3]).ints;
    } else {
      for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (n.inputs.size() > 4 && !n.inputs[4].empty()) {
      if (!IsInit(n.inputs[4])) return false;
      for (int64_t s : g_.initializers.at(n.inputs[4]).ints)
        if (s != 1) return false;
    }
    if (starts.size() != ends.size() || starts.size() != axes.size()) return false;
    *ends_hw = {INT64_MAX, INT64_MAX};
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t a = axes[i] < 0 ? axes[i] + 4 : axes[i];
      if (starts[i] != 0) return false;
      if (a == 2 || a == 3) {
        (*ends_hw)[a - 2] = ends[i];
      } else if (ends[i] < INT32_MAX) {
        return false;  // a crop of N or C
      }
    }
    return true;
  }

  void Plan() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      if (N(i).op != "Conv" || claimed_[i]) continue;
      ConvPlan plan;
      plan.conv = static_cast<int>(i);
      claimed_[i] = true;
      int last = plan.conv;
      auto pit = producer_.find(N(i).inputs[0]);
      if (pit != producer_.end() && N(pit->second).op == "Pad" && !claimed_[pit->second] &&
          SoleConsumer(N(i).inputs[0]) == plan.conv && SpatialOnlyPad(N(pit->second))) {
        plan.pad = pit->second;
      }
      std::string cur = N(i).outputs[0];
      int c = SoleConsumer(cur);
      std::vector<int64_t> ends;
      if (c >= 0 && N(c).op == "Slice" && CropSlice(N(c), &ends)) {
        plan.slice = c, last = c, cur = N(c).outputs[0], c = SoleConsumer(cur);
      }
      if (c >= 0 && N(c).op == "Add" && N(c).inputs.size() == 2 && !IsInit(N(c).inputs[0]) &&
          !IsInit(N(c).inputs[1]) && N(c).inputs[0] != N(c).inputs[1]) {
        plan.add = c, last = c;
        plan.add_other = N(c).inputs[0] == cur ? N(c).inputs[1] : N(c).inputs[0];
        cur = N(c).outputs[0], c = SoleConsumer(cur);
      }
      if (c >= 0 && (N(c).op == "Relu" || (N(c).op == "PRelu" && N(c).inputs.size() == 2 && IsInit(N(c).inputs[1])))) {
        plan.act = c, last = c, cur = N(c).outputs[0];
      }
      for (int k : {plan.pad, plan.slice, plan.add, plan.act})
        if (k >= 0) claimed_[k] = true;
      plan.out = cur;
      emit_at_[last] = static_cast<int>(plans_.size());
      plans_.push_back(plan);
    }
  }

  memory NewMemory(const memory::desc& md) {
    memory m(md, eng_);
    p_->keep_.push_back(m);
    return m;
  }
  memory ActMemory(const std::vector<int64_t>& s) { return NewMemory(ActDesc(s)); }
  void Define(const std::string& name, Value v) {
    remaining_[v.mem.get_data_handle()] += uses_[name];
    vals_[name] = std::move(v);
  }
  StatusOr<Value> Get(const std::string& name) const {
    auto it = vals_.find(name);
    if (it == vals_.end()) return UnimplementedError("value " + name + " is not available");
    return it->second;
  }
  void Consume(const OnnxNode& n) {
    for (const auto& in : n.inputs) {
      auto it = vals_.find(in);
      if (it != vals_.end()) --remaining_[it->second.mem.get_data_handle()];
    }
  }
  void AddPrimitive(dnnl::primitive prim, std::unordered_map<int, memory> args) {
    ++p_->primitives_;
    p_->steps_.push_back([prim = std::move(prim), args = std::move(args)](dnnl::stream& s) { prim.execute(s, args); });
  }
  void Copy(const memory& src, const memory& dst) {
    AddPrimitive(dnnl::reorder(src, dst), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  }

  Status MakeInput() {
    const auto& s = g_.input_shape;
    if (s.size() != 4 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0) {
      return UnimplementedError("input " + g_.input + " is not [N,C,H,W] with fixed C, H, W: " + Str(s));
    }
    p_->input_shape_ = {batch_, s[1], s[2], s[3]};
    p_->input_ = memory(memory::desc(Dims(p_->input_shape_), dt::f32, tag::nchw), eng_, DNNL_MEMORY_NONE);
    Value v{true, p_->input_shape_, ActMemory(p_->input_shape_)};
    Copy(p_->input_, v.mem);
    Define(g_.input, v);
    return OkStatus();
  }

  // A plain row-major view or copy of `v` (an activation is reordered to NCHW).
  StatusOr<Value> ToPlain(const Value& v) {
    if (!v.act) return v;
    Value out{false, v.shape, NewMemory(memory::desc(Dims(v.shape), dt::f32, tag::nchw))};
    Copy(v.mem, out.mem);
    return out;
  }

  Status EmitConv(const ConvPlan& plan) {
    const OnnxNode& conv = N(plan.conv);
    const std::string src_name = plan.pad >= 0 ? N(plan.pad).inputs[0] : conv.inputs[0];
    CANDOR_ASSIGN_OR_RETURN(Value src, Get(src_name));
    if (!src.act) return UnimplementedError("convolution of a non-4-D tensor");
    if (conv.inputs.size() < 2 || !IsInit(conv.inputs[1])) return UnimplementedError("weights are not constant");
    const OnnxTensor& w = g_.initializers.at(conv.inputs[1]);
    if (w.dims.size() != 4 || !w.is_float) return UnimplementedError("only 2-D convolutions");
    const int64_t n = src.shape[0], ic = src.shape[1], ih = src.shape[2], iw = src.shape[3];
    const int64_t oc = w.dims[0], kh = w.dims[2], kw = w.dims[3];
    const int64_t group = conv.Int("group", 1);
    if (group < 1 || ic % group || oc % group || w.dims[1] * group != ic) {
      return UnimplementedError("weights " + Str(w.dims) + " do not fit input " + Str(src.shape));
    }
    std::vector<int64_t> strides = conv.Ints("strides"), dil = conv.Ints("dilations");
    if (strides.empty()) strides = {1, 1};
    if (dil.empty()) dil = {1, 1};
    const int64_t ekh = (kh - 1) * dil[0] + 1, ekw = (kw - 1) * dil[1] + 1;
    int64_t pt = 0, pl = 0, pb = 0, pr = 0;
    const std::string auto_pad = conv.String("auto_pad");
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      SamePad(ih, ekh, strides[0], auto_pad == "SAME_UPPER", &pt, &pb);
      SamePad(iw, ekw, strides[1], auto_pad == "SAME_UPPER", &pl, &pr);
    } else if (auto_pad.empty() || auto_pad == "NOTSET") {
      const auto pads = conv.Ints("pads");
      if (pads.size() == 4) pt = pads[0], pl = pads[1], pb = pads[2], pr = pads[3];
    }
    if (plan.pad >= 0) {
      const auto p = PadsOf(N(plan.pad));
      pt += p[2], pl += p[3], pb += p[6], pr += p[7];
    }
    int64_t oh = (ih + pt + pb - ekh) / strides[0] + 1, ow = (iw + pl + pr - ekw) / strides[1] + 1;
    if (plan.slice >= 0) {
      std::vector<int64_t> ends;
      CropSlice(N(plan.slice), &ends);
      const int64_t nh = std::min(oh, ends[0]), nw = std::min(ow, ends[1]);
      pb = (nh - 1) * strides[0] + ekh - ih - pt;
      pr = (nw - 1) * strides[1] + ekw - iw - pl;
      oh = nh, ow = nw;
    }
    if (oh < 1 || ow < 1) return UnimplementedError("empty convolution output");
    const std::vector<int64_t> out_shape = {n, oc, oh, ow};

    // Destination: the residual's buffer when nothing else still reads it.
    memory dst;
    dnnl::post_ops ops;
    std::unordered_map<int, memory> args;
    if (plan.add >= 0) {
      CANDOR_ASSIGN_OR_RETURN(Value other, Get(plan.add_other));
      if (!other.act || other.shape != out_shape) {
        return UnimplementedError("residual " + Str(other.shape) + " does not match " + Str(out_shape));
      }
      if (remaining_[other.mem.get_data_handle()] == 1) {
        dst = other.mem;
      } else {
        dst = ActMemory(out_shape);
        Copy(other.mem, dst);
      }
      ops.append_sum(1.f);
    } else {
      dst = ActMemory(out_shape);
    }
    if (plan.act >= 0) {
      const OnnxNode& a = N(plan.act);
      if (a.op == "Relu") {
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      }
      // PReLU runs as its own primitive, in place, right after: oneDNN 2.6's
      // jit convolutions refuse a PReLU post-op and fall back to reference
      // code (measured 100x slower).
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);

    const memory::dims wdims = group > 1 ? memory::dims{group, oc / group, ic / group, kh, kw}
                                         : memory::dims{oc, ic, kh, kw};
    const memory::desc user_w(wdims, dt::f32, group > 1 ? tag::goihw : tag::oihw);
    const memory::desc any_w(wdims, dt::f32, tag::any);
    memory::desc bias_md;
    memory bias;
    if (conv.inputs.size() > 2 && !conv.inputs[2].empty()) {
      if (!IsInit(conv.inputs[2])) return UnimplementedError("bias is not constant");
      const OnnxTensor& b = g_.initializers.at(conv.inputs[2]);
      if (b.numel() != oc) return UnimplementedError("bias " + Str(b.dims));
      bias_md = memory::desc({oc}, dt::f32, tag::a);
      bias = NewMemory(bias_md);
      std::memcpy(bias.get_data_handle(), b.floats.data(), b.floats.size() * sizeof(float));
    }
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src.mem.get_desc(), any_w,
        bias_md, dst.get_desc(), {strides[0], strides[1]}, {dil[0] - 1, dil[1] - 1}, {pt, pl}, {pb, pr});
    dnnl::convolution_forward::primitive_desc pd(desc, attr, eng_);
    memory src_mem = src.mem;
    // The network's input goes to the first convolution as given (NCHW):
    // oneDNN's jit kernels read 3-channel plain input directly.
    if (src_name == g_.input && plan.pad < 0) {
      dnnl::convolution_forward::desc plain(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                            p_->input_.get_desc(), any_w, bias_md, dst.get_desc(),
                                            {strides[0], strides[1]}, {dil[0] - 1, dil[1] - 1}, {pt, pl}, {pb, pr});
      dnnl::convolution_forward::primitive_desc plain_pd(plain, attr, eng_, true);
      if (plain_pd && std::string(plain_pd.impl_info_str()).rfind("ref", 0) != 0) {
        pd = plain_pd;
        src_mem = p_->input_;
      }
    }
    memory user_wm(user_w, eng_, const_cast<float*>(w.floats.data()));
    memory wm = NewMemory(pd.weights_desc());
    dnnl::stream s(eng_);
    dnnl::reorder(user_wm, wm).execute(s, user_wm, wm);
    s.wait();
    args[DNNL_ARG_SRC] = src_mem;
    args[DNNL_ARG_WEIGHTS] = wm;
    if (bias) args[DNNL_ARG_BIAS] = bias;
    args[DNNL_ARG_DST] = dst;
    AddPrimitive(dnnl::convolution_forward(pd), std::move(args));
    if (plan.act >= 0 && N(plan.act).op == "PRelu") {
      CANDOR_RETURN_IF_ERROR(InPlacePRelu(N(plan.act), dst, oc));
    }
    for (int k : {plan.pad, plan.conv, plan.slice, plan.add, plan.act})
      if (k >= 0) Consume(N(k));
    Define(plan.out, Value{true, out_shape, dst});
    return OkStatus();
  }

  Status EmitNode(const OnnxNode& n) {
    if (n.inputs.empty() || n.outputs.empty()) return UnimplementedError("node without input or output");
    CANDOR_ASSIGN_OR_RETURN(Value in, Get(n.inputs[0]));
    Value out;
    if (n.op == "Identity") {
      out = in;
    } else if (n.op == "Pad") {
      CANDOR_ASSIGN_OR_RETURN(out, EmitChannelPad(n, in));
    } else if (n.op == "MaxPool" || n.op == "AveragePool" || n.op == "GlobalAveragePool" || n.op == "GlobalMaxPool") {
      CANDOR_ASSIGN_OR_RETURN(out, EmitPool(n, in));
    } else if (n.op == "Relu" || n.op == "Sigmoid" || n.op == "Tanh") {
      out = Value{in.act, in.shape, NewMemory(in.mem.get_desc())};
      const auto alg = n.op == "Relu"      ? dnnl::algorithm::eltwise_relu
                       : n.op == "Sigmoid" ? dnnl::algorithm::eltwise_logistic
                                           : dnnl::algorithm::eltwise_tanh;
      dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, alg, in.mem.get_desc(), 0.f, 0.f);
      AddPrimitive(dnnl::eltwise_forward({d, eng_}), {{DNNL_ARG_SRC, in.mem}, {DNNL_ARG_DST, out.mem}});
    } else if (n.op == "PRelu") {
      CANDOR_ASSIGN_OR_RETURN(out, EmitPRelu(n, in));
    } else if (n.op == "Add") {
      CANDOR_ASSIGN_OR_RETURN(Value b, Get(n.inputs.size() > 1 ? n.inputs[1] : ""));
      if (in.act != b.act || in.shape != b.shape) return UnimplementedError("broadcasting Add");
      out = Value{in.act, in.shape, NewMemory(in.mem.get_desc())};
      dnnl::binary::desc d(dnnl::algorithm::binary_add, in.mem.get_desc(), b.mem.get_desc(), out.mem.get_desc());
      AddPrimitive(dnnl::binary({d, eng_}), {{DNNL_ARG_SRC_0, in.mem}, {DNNL_ARG_SRC_1, b.mem}, {DNNL_ARG_DST, out.mem}});
    } else if (n.op == "Transpose") {
      const auto perm = n.Ints("perm");
      if (!in.act || perm != std::vector<int64_t>{0, 2, 3, 1}) return UnimplementedError("Transpose " + Str(perm));
      // The activation reordered to NHWC is the transposed tensor.
      memory nhwc = NewMemory(memory::desc(Dims(in.shape), dt::f32, tag::nhwc));
      Copy(in.mem, nhwc);
      const std::vector<int64_t> s = {in.shape[0], in.shape[2], in.shape[3], in.shape[1]};
      out = Value{false, s, memory(memory::desc(Dims(s), dt::f32, tag::abcd), eng_, nhwc.get_data_handle())};
    } else if (n.op == "Reshape" || n.op == "Flatten") {
      CANDOR_ASSIGN_OR_RETURN(Value flat, ToPlain(in));
      std::vector<int64_t> s;
      if (n.op == "Flatten") {
        int64_t axis = n.Int("axis", 1);
        if (axis < 0) axis += static_cast<int64_t>(flat.shape.size());
        int64_t a = 1, b = 1;
        for (size_t k = 0; k < flat.shape.size(); ++k) (static_cast<int64_t>(k) < axis ? a : b) *= flat.shape[k];
        s = {a, b};
      } else {
        if (n.inputs.size() < 2 || !IsInit(n.inputs[1])) return UnimplementedError("Reshape to a computed shape");
        s = g_.initializers.at(n.inputs[1]).ints;
        int64_t known = 1, infer = -1;
        for (size_t k = 0; k < s.size(); ++k) {
          if (s[k] == 0 && k < flat.shape.size()) s[k] = flat.shape[k];
          if (s[k] == -1) infer = static_cast<int64_t>(k);
          else known *= s[k];
        }
        if (infer >= 0 && known > 0) s[infer] = Numel(flat.shape) / known;
      }
      if (Numel(s) != Numel(flat.shape) || PlainTag(s.size()) == tag::undef) {
        return UnimplementedError("Reshape " + Str(flat.shape) + " -> " + Str(s));
      }
      out = Value{false, s, memory(memory::desc(Dims(s), dt::f32, PlainTag(s.size())), eng_, flat.mem.get_data_handle())};
    } else if (n.op == "Gemm") {
      CANDOR_ASSIGN_OR_RETURN(out, EmitGemm(n, in));
    } else if (n.op == "Concat") {
      CANDOR_ASSIGN_OR_RETURN(out, EmitConcat(n));
    } else {
      return UnimplementedError("op " + n.op + " is not supported by the oneDNN back end");
    }
    Consume(n);
    Define(n.outputs[0], out);
    return OkStatus();
  }

  // Zero channels added before / after (the residual shortcut of a block
  // that widens): a oneDNN concat with constant zeros.
  StatusOr<Value> EmitChannelPad(const OnnxNode& n, const Value& in) {
    if (!in.act || !ZeroConstantPad(n)) return UnimplementedError("only zero padding of activations");
    const auto p = PadsOf(n);
    if (p[0] || p[4]) return UnimplementedError("Pad of the batch axis");
    if (p[2] || p[3] || p[6] || p[7]) return EmitSpatialPad(in, p);
    std::vector<memory::desc> mds;
    std::unordered_map<int, memory> args;
    auto zeros = [&](int64_t c) {
      memory z = NewMemory(ActDesc({in.shape[0], c, in.shape[2], in.shape[3]}));
      std::memset(z.get_data_handle(), 0, z.get_desc().get_size());
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(mds.size())] = z;
      mds.push_back(z.get_desc());
    };
    if (p[1] > 0) zeros(p[1]);
    args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(mds.size())] = in.mem;
    mds.push_back(in.mem.get_desc());
    if (p[5] > 0) zeros(p[5]);
    Value out{true, {in.shape[0], p[1] + in.shape[1] + p[5], in.shape[2], in.shape[3]}, {}};
    out.mem = ActMemory(out.shape);
    if (mds.size() == 1) {
      Copy(in.mem, out.mem);
      return out;
    }
    dnnl::concat::primitive_desc pd(out.mem.get_desc(), 1, mds, eng_);
    args[DNNL_ARG_DST] = out.mem;
    AddPrimitive(dnnl::concat(pd), std::move(args));
    return out;
  }

  // Zeros around an activation (face-api's odd-size shortcut): the input
  // copied into a view of a buffer zeroed on every run (a sum post-op may
  // have written into it on the previous one).
  StatusOr<Value> EmitSpatialPad(const Value& in, const std::vector<int64_t>& p) {
    if (p[1] % 16) return UnimplementedError("Pad before channels not a multiple of 16");
    for (int64_t v : p)
      if (v < 0) return UnimplementedError("negative Pad");
    Value out{true, {in.shape[0], p[1] + in.shape[1] + p[5], p[2] + in.shape[2] + p[6], p[3] + in.shape[3] + p[7]}, {}};
    out.mem = ActMemory(out.shape);
    const memory::desc view = out.mem.get_desc().submemory_desc(Dims(in.shape), {0, p[1], p[2], p[3]});
    memory dst_view(view, eng_, out.mem.get_data_handle());
    void* buffer = out.mem.get_data_handle();
    const size_t bytes = out.mem.get_desc().get_size();
    p_->steps_.push_back([buffer, bytes](dnnl::stream& s) {
      s.wait();
      std::memset(buffer, 0, bytes);
    });
    Copy(in.mem, dst_view);
    return out;
  }

  // Gemm on a [N, K] tensor with constant B (and C): Y = alpha * A * op(B) + beta * C.
  StatusOr<Value> EmitGemm(const OnnxNode& n, const Value& a_in) {
    CANDOR_ASSIGN_OR_RETURN(Value a, ToPlain(a_in));
    if (a.shape.size() != 2 || n.inputs.size() < 2 || !IsInit(n.inputs[1])) return UnimplementedError("Gemm");
    if (n.Int("transA", 0)) return UnimplementedError("Gemm with transA");
    const OnnxTensor& b = g_.initializers.at(n.inputs[1]);
    const bool tb = n.Int("transB", 0) != 0;
    const int64_t rows = a.shape[0], k = a.shape[1];
    if (b.dims.size() != 2 || (tb ? b.dims[1] : b.dims[0]) != k) return UnimplementedError("Gemm shapes");
    const int64_t m = tb ? b.dims[0] : b.dims[1];
    auto af = n.floats.find("alpha"), bf = n.floats.find("beta");
    const float alpha = af == n.floats.end() ? 1.f : af->second, beta = bf == n.floats.end() ? 1.f : bf->second;
    std::vector<float> w(k * m), c(m, 0.f);  // w: [K, M]
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < m; ++j) w[i * m + j] = alpha * (tb ? b.floats[j * k + i] : b.floats[i * m + j]);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      if (!IsInit(n.inputs[2])) return UnimplementedError("Gemm with a computed C");
      const OnnxTensor& ct = g_.initializers.at(n.inputs[2]);
      if (ct.numel() != m && ct.numel() != 1) return UnimplementedError("Gemm C shape");
      for (int64_t j = 0; j < m; ++j) c[j] = beta * ct.floats[ct.numel() == 1 ? 0 : j];
    }
    Value out{false, {rows, m}, NewMemory(memory::desc({rows, m}, dt::f32, tag::ab))};
    const float* src = static_cast<const float*>(a.mem.get_data_handle());
    float* dst = static_cast<float*>(out.mem.get_data_handle());
    p_->steps_.push_back([=](dnnl::stream& s) {
      s.wait();
      for (int64_t r = 0; r < rows; ++r) {
        float* y = dst + r * m;
        std::copy(c.begin(), c.end(), y);
        for (int64_t i = 0; i < k; ++i) {
          const float x = src[r * k + i];
          const float* wr = w.data() + i * m;
          for (int64_t j = 0; j < m; ++j) y[j] += x * wr[j];
        }
      }
    });
    return out;
  }

  StatusOr<Value> EmitPool(const OnnxNode& n, const Value& in) {
    if (!in.act) return UnimplementedError("pooling of a non-4-D tensor");
    const bool global = n.op == "GlobalAveragePool" || n.op == "GlobalMaxPool";
    const auto k = global ? std::vector<int64_t>{in.shape[2], in.shape[3]} : n.Ints("kernel_shape");
    std::vector<int64_t> s = n.Ints("strides");
    if (k.size() != 2) return UnimplementedError("pool kernel " + Str(k));
    if (s.empty()) s = {1, 1};
    if (n.Int("ceil_mode", 0) != 0) return UnimplementedError("ceil_mode pooling");
    int64_t pt = 0, pl = 0, pb = 0, pr = 0;
    const std::string auto_pad = n.String("auto_pad");
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      SamePad(in.shape[2], k[0], s[0], auto_pad == "SAME_UPPER", &pt, &pb);
      SamePad(in.shape[3], k[1], s[1], auto_pad == "SAME_UPPER", &pl, &pr);
    } else {
      const auto pads = n.Ints("pads");
      if (pads.size() == 4) pt = pads[0], pl = pads[1], pb = pads[2], pr = pads[3];
    }
    const int64_t oh = (in.shape[2] + pt + pb - k[0]) / s[0] + 1, ow = (in.shape[3] + pl + pr - k[1]) / s[1] + 1;
    Value out{true, {in.shape[0], in.shape[1], oh, ow}, {}};
    out.mem = ActMemory(out.shape);
    const auto alg = n.op == "MaxPool" || n.op == "GlobalMaxPool" ? dnnl::algorithm::pooling_max
                     : n.Int("count_include_pad", 0) ? dnnl::algorithm::pooling_avg_include_padding
                                                     : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, alg, in.mem.get_desc(), out.mem.get_desc(),
                                  {s[0], s[1]}, {k[0], k[1]}, {pt, pl}, {pb, pr});
    AddPrimitive(dnnl::pooling_forward({d, eng_}), {{DNNL_ARG_SRC, in.mem}, {DNNL_ARG_DST, out.mem}});
    return out;
  }

  Status InPlacePRelu(const OnnxNode& n, const memory& x, int64_t c) {
    const OnnxTensor& slope = g_.initializers.at(n.inputs[1]);
    if (slope.numel() != c && slope.numel() != 1) return UnimplementedError("PRelu slope " + Str(slope.dims));
    CANDOR_ASSIGN_OR_RETURN(memory w, PReluWeights(slope, x, c));
    dnnl::prelu_forward::desc d(dnnl::prop_kind::forward_inference, x.get_desc(), w.get_desc());
    AddPrimitive(dnnl::prelu_forward({d, eng_}), {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, x}});
    return OkStatus();
  }

  // The slopes as [1, C, 1, 1] in the layout oneDNN's jit PReLU wants for `x`
  // (the activation's own; plain weights send it to reference code).
  StatusOr<memory> PReluWeights(const OnnxTensor& slope, const memory& x, int64_t c) {
    std::vector<float> a(c);
    for (int64_t i = 0; i < c; ++i) a[i] = slope.floats[slope.numel() == 1 ? 0 : i];
    const memory::desc plain({1, c, 1, 1}, dt::f32, tag::abcd);
    dnnl::prelu_forward::desc d(dnnl::prop_kind::forward_inference, x.get_desc(),
                                memory::desc({1, c, 1, 1}, dt::f32, tag::any));
    dnnl::prelu_forward::primitive_desc pd(d, eng_);
    memory w = NewMemory(pd.weights_desc());
    memory user(plain, eng_, a.data());
    dnnl::stream s(eng_);
    dnnl::reorder(user, w).execute(s, user, w);
    s.wait();
    return w;
  }

  StatusOr<Value> EmitPRelu(const OnnxNode& n, const Value& in) {
    if (!in.act || n.inputs.size() < 2 || !IsInit(n.inputs[1])) return UnimplementedError("PRelu");
    const OnnxTensor& slope = g_.initializers.at(n.inputs[1]);
    const int64_t c = in.shape[1];
    if (slope.numel() != c && slope.numel() != 1) return UnimplementedError("PRelu slope " + Str(slope.dims));
    CANDOR_ASSIGN_OR_RETURN(memory w, PReluWeights(slope, in.mem, c));
    Value out{true, in.shape, ActMemory(in.shape)};
    dnnl::prelu_forward::desc d(dnnl::prop_kind::forward_inference, in.mem.get_desc(), w.get_desc());
    AddPrimitive(dnnl::prelu_forward({d, eng_}), {{DNNL_ARG_SRC, in.mem}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, out.mem}});
    return out;
  }

  StatusOr<Value> EmitConcat(const OnnxNode& n) {
    std::vector<Value> parts;
    for (const auto& name : n.inputs) {
      CANDOR_ASSIGN_OR_RETURN(Value v, Get(name));
      CANDOR_ASSIGN_OR_RETURN(Value flat, ToPlain(v));
      parts.push_back(flat);
    }
    const size_t rank = parts[0].shape.size();
    int64_t axis = n.Int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(rank);
    std::vector<int64_t> s = parts[0].shape;
    s[axis] = 0;
    for (const Value& v : parts) {
      if (v.shape.size() != rank) return UnimplementedError("Concat of different ranks");
      for (size_t k = 0; k < rank; ++k)
        if (static_cast<int64_t>(k) != axis && v.shape[k] != parts[0].shape[k]) return UnimplementedError("Concat shapes");
      s[axis] += v.shape[axis];
    }
    Value out{false, s, NewMemory(memory::desc(Dims(s), dt::f32, PlainTag(rank)))};
    int64_t outer = 1;
    for (int64_t k = 0; k < axis; ++k) outer *= s[k];
    std::vector<std::pair<const float*, int64_t>> chunks;  // source, floats per outer step
    for (const Value& v : parts) {
      chunks.emplace_back(static_cast<const float*>(v.mem.get_data_handle()), Numel(v.shape) / outer);
    }
    float* dst = static_cast<float*>(out.mem.get_data_handle());
    p_->steps_.push_back([=](dnnl::stream& st) {
      st.wait();
      float* d = dst;
      for (int64_t o = 0; o < outer; ++o)
        for (const auto& [src, len] : chunks) {
          std::memcpy(d, src + o * len, len * sizeof(float));
          d += len;
        }
    });
    return out;
  }

  const OnnxGraph& g_;
  const int64_t batch_;
  const dnnl::engine& eng_;
  DnnlProgram* p_;
  std::map<std::string, int> uses_, consumer_, producer_;
  std::vector<bool> claimed_;
  std::vector<int> emit_at_;
  std::vector<ConvPlan> plans_;
  std::map<std::string, Value> vals_;
  std::map<void*, int> remaining_;  // readers still to come, per buffer
};

StatusOr<std::unique_ptr<DnnlProgram>> DnnlProgram::Compile(const OnnxGraph& graph, int batch,
                                                            const dnnl::engine& engine) {
  if (batch < 1) return InvalidArgumentError("batch must be >= 1");
  std::unique_ptr<DnnlProgram> p(new DnnlProgram());
  DnnlCompiler compiler(graph, batch, engine, p.get());
  Status s;
  try {
    s = compiler.Compile();
  } catch (const dnnl::error& e) {
    s = UnimplementedError(std::string("oneDNN: ") + e.what());
  }
  if (!s.ok()) return s;
  return p;
}

StatusOr<std::vector<cv::Mat>> DnnlProgram::Run(const cv::Mat& nchw, dnnl::stream& stream) {
  if (nchw.dims != 4 || nchw.type() != CV_32F || !nchw.isContinuous()) {
    return InvalidArgumentError("expected a contiguous [N,C,H,W] float32 tensor");
  }
  for (int k = 0; k < 4; ++k) {
    if (nchw.size[k] != input_shape_[k]) return InvalidArgumentError("input shape differs from the compiled one");
  }
  try {
    input_.set_data_handle(const_cast<float*>(nchw.ptr<float>()));
    for (auto& step : steps_) step(stream);
    stream.wait();
  } catch (const dnnl::error& e) {
    return InternalError(std::string("oneDNN failed: ") + e.what());
  }
  std::vector<cv::Mat> outs;
  for (size_t i = 0; i < outputs_.size(); ++i) {
    std::vector<int> dims(output_shapes_[i].begin(), output_shapes_[i].end());
    if (dims.size() == 1) dims.insert(dims.begin(), 1);
    cv::Mat m(static_cast<int>(dims.size()), dims.data(), CV_32F);
    std::memcpy(m.ptr<float>(), outputs_[i].get_data_handle(), m.total() * sizeof(float));
    outs.push_back(std::move(m));
  }
  return outs;
}

}  // namespace candor
