// Copyright 2026 The Candor Authors.

#include "onnx_builder.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <numeric>

namespace candor::convert {
namespace {

int64_t NumElements(const std::vector<int64_t>& dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1}, std::multiplies<int64_t>());
}

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "candor-convert: internal error: %s\n", msg.c_str());
  std::abort();
}

std::string Sanitize(std::string_view hint) {
  std::string s;
  s.reserve(hint.size());
  for (char c : hint) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '/' || c == '.' || c == ':' || c == '-';
    s.push_back(ok ? c : '_');
  }
  if (s.empty()) s = "t";
  return s;
}

}  // namespace

void Attr::ApplyTo(onnx::NodeProto& node) const {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name_);
  if (const auto* i = std::get_if<int64_t>(&value_)) {
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*i);
  } else if (const auto* f = std::get_if<float>(&value_)) {
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(*f);
  } else if (const auto* s = std::get_if<std::string>(&value_)) {
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(*s);
  } else if (const auto* is = std::get_if<std::vector<int64_t>>(&value_)) {
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : *is) a->add_ints(v);
  } else if (const auto* fs = std::get_if<std::vector<float>>(&value_)) {
    a->set_type(onnx::AttributeProto::FLOATS);
    for (float v : *fs) a->add_floats(v);
  }
}

OnnxBuilder::OnnxBuilder(std::string graph_name, int opset) : opset_(opset) {
  model_.set_ir_version(6);  // ONNX 1.7 IR; read by OpenCV 4.6
  model_.set_producer_name("candor-convert");
  model_.set_producer_version(CANDOR_VERSION);
  model_.add_opset_import()->set_version(opset_);
  model_.mutable_graph()->set_name(std::move(graph_name));
}

void OnnxBuilder::RequireOpset(int opset) {
  if (opset > opset_) {
    opset_ = opset;
    model_.mutable_opset_import(0)->set_version(opset_);
  }
}

void OnnxBuilder::SetDocString(std::string doc) { model_.set_doc_string(std::move(doc)); }

void OnnxBuilder::AddMetadata(const std::string& key, const std::string& value) {
  auto* p = model_.add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}

std::string OnnxBuilder::UniqueName(std::string_view hint) {
  std::string base = Sanitize(hint);
  int& n = name_counts_[base];
  std::string name = n == 0 ? base : base + "__" + std::to_string(n);
  ++n;
  // A generated "x__1" could collide with a user hint "x__1": loop until free.
  while (n > 1 && name_counts_.count(name)) {
    name = base + "__" + std::to_string(n);
    ++n;
  }
  if (name != base) name_counts_[name] = 1;
  return name;
}

void OnnxBuilder::SetValueInfo(onnx::ValueInfoProto* vi, const std::string& name,
                               const std::vector<int64_t>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d == kDynamic) {
      dim->set_dim_param("N");
    } else {
      dim->set_dim_value(d);
    }
  }
}

void OnnxBuilder::AddInput(const std::string& name, const std::vector<int64_t>& dims) {
  name_counts_[name] = std::max(name_counts_[name], 1);
  SetValueInfo(model_.mutable_graph()->add_input(), name, dims);
}

void OnnxBuilder::AddOutput(const std::string& name, const std::vector<int64_t>& dims) {
  SetValueInfo(model_.mutable_graph()->add_output(), name, dims);
}

std::string OnnxBuilder::AddFloat(std::string_view hint, const std::vector<int64_t>& dims,
                                  const std::vector<float>& data) {
  if (NumElements(dims) != static_cast<int64_t>(data.size())) {
    Die("initializer " + std::string(hint) + ": " + std::to_string(data.size()) +
        " values for " + std::to_string(NumElements(dims)) + " elements");
  }
  std::string name = UniqueName(hint);
  onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
  return name;
}

std::string OnnxBuilder::AddInt64(std::string_view hint, const std::vector<int64_t>& dims,
                                  const std::vector<int64_t>& data) {
  if (NumElements(dims) != static_cast<int64_t>(data.size())) {
    Die("initializer " + std::string(hint) + ": size mismatch");
  }
  std::string name = UniqueName(hint);
  onnx::TensorProto* t = model_.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t->add_dims(d);
  for (int64_t v : data) t->add_int64_data(v);
  return name;
}

std::string OnnxBuilder::AddShape(std::string_view hint, const std::vector<int64_t>& values) {
  return AddInt64(hint, {static_cast<int64_t>(values.size())}, values);
}

std::string OnnxBuilder::AddChannelConst(std::string_view hint, const std::vector<float>& values) {
  return AddFloat(hint, {static_cast<int64_t>(values.size()), 1, 1}, values);
}

std::string OnnxBuilder::AddScalar(std::string_view hint, float value) {
  return AddFloat(hint, {}, {value});
}

std::string OnnxBuilder::Op(std::string_view op_type, const std::vector<std::string>& inputs,
                            const std::vector<Attr>& attrs, std::string_view out) {
  return OpN(op_type, inputs, 1, attrs, out)[0];
}

std::vector<std::string> OnnxBuilder::OpN(std::string_view op_type,
                                          const std::vector<std::string>& inputs, int num_outputs,
                                          const std::vector<Attr>& attrs, std::string_view out) {
  onnx::NodeProto* node = model_.mutable_graph()->add_node();
  node->set_op_type(std::string(op_type));
  std::string base = out.empty() ? std::string(op_type) : std::string(out);
  node->set_name(UniqueName(base + "_node"));
  for (const auto& in : inputs) node->add_input(in);
  std::vector<std::string> outs;
  for (int i = 0; i < num_outputs; ++i) {
    std::string o = UniqueName(i == 0 ? base : base + "_" + std::to_string(i));
    node->add_output(o);
    outs.push_back(o);
  }
  for (const auto& a : attrs) a.ApplyTo(*node);
  return outs;
}

std::string OnnxBuilder::OpExact(std::string_view op_type, const std::vector<std::string>& inputs,
                                 const std::string& out, const std::vector<Attr>& attrs) {
  onnx::NodeProto* node = model_.mutable_graph()->add_node();
  node->set_op_type(std::string(op_type));
  node->set_name(UniqueName(out + "_node"));
  for (const auto& in : inputs) node->add_input(in);
  node->add_output(out);
  for (const auto& a : attrs) a.ApplyTo(*node);
  return out;
}

std::string OnnxBuilder::Clip(const std::string& x, float lo, float hi, std::string_view out) {
  if (opset_ > 10) Die("Clip with attributes needs opset <= 10 (OpenCV 4.6 rejects the opset-11 form)");
  return Op("Clip", {x}, {Attr("min", lo), Attr("max", hi)}, out);
}

std::string OnnxBuilder::PRelu(const std::string& x, const std::vector<float>& slopes,
                               std::string_view out) {
  std::string s = AddChannelConst(std::string(out.empty() ? "prelu" : out) + "_slope", slopes);
  return Op("PRelu", {x, s}, {}, out);
}

std::string OnnxBuilder::L2Normalize(const std::string& x, int64_t axis, std::string_view out) {
  std::string norm = Op("ReduceL2", {x}, {Attr("axes", {axis}), Attr("keepdims", 1)},
                        std::string(out.empty() ? "l2" : out) + "_norm");
  return Op("Div", {x, norm}, {}, out);
}

std::string OnnxBuilder::Gemm(const std::string& x, const std::vector<float>& w_out_in,
                              int64_t out_features, int64_t in_features,
                              const std::vector<float>& bias, std::string_view out) {
  std::string hint(out.empty() ? "fc" : out);
  std::string w = AddFloat(hint + "_W", {out_features, in_features}, w_out_in);
  std::vector<float> b = bias.empty() ? std::vector<float>(out_features, 0.f) : bias;
  std::string c = AddFloat(hint + "_B", {out_features}, b);
  return Op("Gemm", {x, w, c}, {Attr("transB", 1), Attr("alpha", 1.f), Attr("beta", 1.f)}, out);
}

namespace {

// TF / ONNX SAME_UPPER padding {begin, end} of one spatial axis.
std::pair<int64_t, int64_t> SameUpperPads(int64_t in, int64_t k, int64_t s) {
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
  return {total / 2, total - total / 2};
}

}  // namespace

std::string OnnxBuilder::Conv(const std::string& x, const std::vector<float>& w,
                              const std::vector<int64_t>& w_dims, const std::vector<float>& bias,
                              const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                              int64_t group, const std::vector<int64_t>& dilations,
                              std::string_view out, const std::vector<int64_t>& input_hw) {
  std::string hint(out.empty() ? "conv" : out);
  const int64_t kh = w_dims[2], kw = w_dims[3];
  const bool dilation1 = dilations.size() == 2 && dilations[0] == 1 && dilations[1] == 1;
  const bool shaped = input_hw.size() == 2 && input_hw[0] > 0 && input_hw[1] > 0 && dilation1 &&
                      strides.size() == 2 && pads.size() == 4;
  const bool depthwise3x3 = group > 1 && w_dims[1] == 1 && w_dims[0] == group && kh == 3 && kw == 3;
  std::string in = x;
  std::vector<int64_t> conv_pads = pads;
  int64_t slice_w = 0;  // > 0: keep only this many output columns
  bool same_upper = false;
  if (shaped && depthwise3x3 && input_hw[1] + pads[1] + pads[3] < kFastDepthwiseMinWidth) {
    const int64_t wide = input_hw[1] + pads[1] + pads[3];
    const int64_t extra = kFastDepthwiseMinWidth - wide;
    in = Op("Pad", {x},
            {Attr("mode", "constant"),
             Attr("pads", std::vector<int64_t>{0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3] + extra}),
             Attr("value", 0.0f)},
            hint + "_widen");
    conv_pads = {0, 0, 0, 0};
    slice_w = (wide - kw) / strides[1] + 1;
  } else if (shaped && (pads[0] != pads[2] || pads[1] != pads[3])) {
    const auto [t, b] = SameUpperPads(input_hw[0], kh, strides[0]);
    const auto [l, r] = SameUpperPads(input_hw[1], kw, strides[1]);
    same_upper = pads == std::vector<int64_t>{t, l, b, r};
  }
  std::vector<std::string> inputs = {in, AddFloat(hint + "_W", w_dims, w)};
  if (!bias.empty()) inputs.push_back(AddFloat(hint + "_B", {w_dims[0]}, bias));
  // Attribute order as before these rewrites, so unaffected models keep their bytes (and hashes).
  std::vector<Attr> attrs = {Attr("kernel_shape", std::vector<int64_t>{kh, kw}), Attr("strides", strides),
                             same_upper ? Attr("auto_pad", "SAME_UPPER") : Attr("pads", conv_pads),
                             Attr("dilations", dilations), Attr("group", group)};
  if (slice_w == 0) return Op("Conv", inputs, attrs, out);
  std::string y = Op("Conv", inputs, attrs, hint + "_wide");
  return Op("Slice", {y, AddShape(hint + "_starts", {0}), AddShape(hint + "_ends", {slice_w}),
                      AddShape(hint + "_axes", {3})},
            {}, out);
}

std::string OnnxBuilder::DepthToSpace(const std::string& x, int64_t block, int64_t c, int64_t h,
                                      int64_t w, std::string_view out) {
  const int64_t oc = c / (block * block);
  std::string hint(out.empty() ? "d2s" : out);
  std::string s1 = AddShape(hint + "_shape1", {-1, block, block, oc, h, w});
  std::string r1 = Op("Reshape", {x, s1}, {}, hint + "_r1");
  std::string t = Op("Transpose", {r1}, {Attr("perm", {0, 3, 4, 1, 5, 2})}, hint + "_t");
  std::string s2 = AddShape(hint + "_shape2", {-1, oc, h * block, w * block});
  return Op("Reshape", {t, s2}, {}, out);
}

std::string OnnxBuilder::Serialize() const {
  std::string bytes;
  if (!model_.SerializeToString(&bytes)) Die("protobuf serialisation failed");
  return bytes;
}

Status OnnxBuilder::Save(const std::filesystem::path& path) const {
  return WriteFileDurably(path, Serialize());
}

Status WriteFileDurably(const std::filesystem::path& path, std::string_view bytes) {
  std::error_code ec;
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError("cannot create " + dir.string() + ": " + ec.message());
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError("cannot create " + tmp.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return UnavailableError("cannot write " + tmp.string() + ": " + err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return UnavailableError("cannot sync " + tmp.string() + ": " + err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return UnavailableError("cannot rename to " + path.string() + ": " + err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

StatusOr<std::string> Sha256OfFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path.string());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return UnavailableError("cannot read " + path.string());
  return Sha256Hex(bytes);
}

}  // namespace candor::convert
