// Copyright 2026 The Candor Authors.
//
// OnnxBuilder: a small graph builder over the protobuf classes of Debian's
// libonnx-dev (onnx::ModelProto). Converters (TF.js graph models, TFLite,
// face-api layers) describe a network with it and save the result as an
// .onnx file that OpenCV 4.6's DNN module imports.
//
// The helpers encode what OpenCV 4.6 needs (see ../shared/docs/model-facts.md):
//   - opset 10 by default (Clip with min/max attributes); opset 11 only when a
//     Resize needs coordinate_transformation_mode=half_pixel (RequireOpset);
//   - PRelu with slopes shaped [C,1,1] instead of Max/Min idioms;
//   - ReduceL2 + Div instead of LpNormalization;
//   - Gemm always with C and transB = 1;
//   - per-channel constants shaped [C,1,1] (a [1,C,1,1] Add breaks at batch>1);
//   - DepthToSpace expressed as Reshape/Transpose/Reshape.
//
// Names: every tensor name handed out is unique in the graph; callers may pass
// their own names (e.g. the source model's node names) and get them back
// sanitised and de-duplicated.
//
// Errors: building never fails (invalid graphs are caught by OpenCV or by
// onnx::checker at load time); Save returns a Status for I/O errors.
// Thread safety: an OnnxBuilder is not thread-safe; use one per conversion.

#ifndef CANDOR_TOOLS_CONVERT_ONNX_BUILDER_H_
#define CANDOR_TOOLS_CONVERT_ONNX_BUILDER_H_

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "candor/status.h"

namespace candor::convert {

// A node attribute. Construct with the value type the ONNX operator expects:
//   Attr("axis", 1), Attr("alpha", 0.2f), Attr("mode", "constant"),
//   Attr("pads", {0, 0, 1, 1}), Attr("scales", std::vector<float>{...}).
class Attr {
 public:
  using Value = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                             std::vector<float>>;
  Attr(std::string name, int v) : name_(std::move(name)), value_(int64_t{v}) {}
  Attr(std::string name, int64_t v) : name_(std::move(name)), value_(v) {}
  Attr(std::string name, float v) : name_(std::move(name)), value_(v) {}
  Attr(std::string name, double v) : name_(std::move(name)), value_(static_cast<float>(v)) {}
  Attr(std::string name, const char* v) : name_(std::move(name)), value_(std::string(v)) {}
  Attr(std::string name, std::string v) : name_(std::move(name)), value_(std::move(v)) {}
  Attr(std::string name, std::vector<int64_t> v) : name_(std::move(name)), value_(std::move(v)) {}
  Attr(std::string name, std::initializer_list<int64_t> v)
      : name_(std::move(name)), value_(std::vector<int64_t>(v)) {}
  Attr(std::string name, std::vector<float> v) : name_(std::move(name)), value_(std::move(v)) {}

  const std::string& name() const { return name_; }
  const Value& value() const { return value_; }
  void ApplyTo(onnx::NodeProto& node) const;

 private:
  std::string name_;
  Value value_;
};

// A dimension of a graph input/output: kDynamic marks the symbolic batch "N".
inline constexpr int64_t kDynamic = -1;

class OnnxBuilder {
 public:
  // `graph_name` is stored in the model; opset 10 unless RequireOpset raises it.
  explicit OnnxBuilder(std::string graph_name, int opset = 10);

  // Raises the opset (never lowers it). Use 11 only for Resize(half_pixel).
  void RequireOpset(int opset);
  int opset() const { return opset_; }

  // Producer metadata and free-form key/value metadata (e.g. source hashes).
  void SetDocString(std::string doc);
  void AddMetadata(const std::string& key, const std::string& value);

  // A fresh unique tensor name derived from `hint` (sanitised).
  std::string UniqueName(std::string_view hint);

  // Graph inputs/outputs. Dims use kDynamic for the symbolic batch ("N").
  void AddInput(const std::string& name, const std::vector<int64_t>& dims);
  void AddOutput(const std::string& name, const std::vector<int64_t>& dims);

  // Initializers; return the (unique) tensor name. data.size() must equal the
  // product of dims (checked: a mismatch aborts the conversion with a
  // diagnostic, since it is a converter bug, not a user input error).
  std::string AddFloat(std::string_view hint, const std::vector<int64_t>& dims,
                       const std::vector<float>& data);
  std::string AddInt64(std::string_view hint, const std::vector<int64_t>& dims,
                       const std::vector<int64_t>& data);
  // A 1-D int64 tensor (shapes for Reshape, axes, pads).
  std::string AddShape(std::string_view hint, const std::vector<int64_t>& values);
  // A per-channel constant shaped [C,1,1] (broadcasts over NCHW at any batch).
  std::string AddChannelConst(std::string_view hint, const std::vector<float>& values);
  // A scalar float constant (shape []).
  std::string AddScalar(std::string_view hint, float value);

  // Adds a node with one output; returns the output name. `out` may name it
  // (uniquified); empty means derived from op_type.
  std::string Op(std::string_view op_type, const std::vector<std::string>& inputs,
                 const std::vector<Attr>& attrs = {}, std::string_view out = "");
  // Adds a node whose single output is named exactly `out` (which the caller
  // reserved with UniqueName, e.g. a graph output's public name).
  std::string OpExact(std::string_view op_type, const std::vector<std::string>& inputs,
                      const std::string& out, const std::vector<Attr>& attrs = {});
  // Adds a node with several outputs.
  std::vector<std::string> OpN(std::string_view op_type, const std::vector<std::string>& inputs,
                               int num_outputs, const std::vector<Attr>& attrs = {},
                               std::string_view out = "");

  // ---- OpenCV 4.6-safe idioms ----
  // Clip in its opset-10 attribute form (min, max). Requires opset <= 10.
  std::string Clip(const std::string& x, float lo, float hi, std::string_view out = "");
  std::string Relu6(const std::string& x, std::string_view out = "") { return Clip(x, 0.f, 6.f, out); }
  // PRelu with per-channel slopes ([C,1,1]) on an NCHW tensor.
  std::string PRelu(const std::string& x, const std::vector<float>& slopes, std::string_view out = "");
  // x / ||x||_2 along `axis` (ReduceL2 keepdims + Div), instead of LpNormalization.
  std::string L2Normalize(const std::string& x, int64_t axis, std::string_view out = "");
  // y = x W^T + b with W given row-major as [out, in] (transB = 1, C always set).
  std::string Gemm(const std::string& x, const std::vector<float>& w_out_in, int64_t out_features,
                   int64_t in_features, const std::vector<float>& bias, std::string_view out = "");
  // Conv with weights [M, C/group, kH, kW] and optional bias (empty = none).
  // pads = {top, left, bottom, right} (ONNX order: begins then ends).
  //
  // With `input_hw` (the input's spatial size) the node is shaped for speed in
  // OpenCV 4.6 DNN, with identical results:
  //  - asymmetric pads equal to TF's "SAME" (extra row/column at the end) are
  //    written as auto_pad = SAME_UPPER: OpenCV's importer turns explicit
  //    asymmetric pads into a separate Padding layer (a full copy of the
  //    tensor), while its convolution handles SAME itself;
  //  - a 3x3 depthwise convolution (dilation 1) on an input narrower than
  //    OpenCV's fast depthwise kernel accepts (kFastDepthwiseMinWidth) becomes
  //    Pad (the zero padding plus extra zero columns on the right) -> Conv
  //    (no padding) -> Slice (drops the extra output columns): OpenCV 4.6 runs
  //    narrower depthwise convolutions through its generic im2row path, 4-6x
  //    slower per output (per-layer profiles in docs/BENCHMARKS.md).
  std::string Conv(const std::string& x, const std::vector<float>& w, const std::vector<int64_t>& w_dims,
                   const std::vector<float>& bias, const std::vector<int64_t>& strides,
                   const std::vector<int64_t>& pads, int64_t group = 1,
                   const std::vector<int64_t>& dilations = {1, 1}, std::string_view out = "",
                   const std::vector<int64_t>& input_hw = {});
  // OpenCV 4.6 uses its fast 3x3 depthwise kernel only for inputs at least
  // this wide (16 + kernel width - 1).
  static constexpr int64_t kFastDepthwiseMinWidth = 18;
  // DepthToSpace (DCR) on NCHW [N, C, H, W] as Reshape/Transpose/Reshape with
  // the batch left dynamic (OpenCV's DepthToSpace freezes the batch size).
  std::string DepthToSpace(const std::string& x, int64_t block, int64_t c, int64_t h, int64_t w,
                           std::string_view out = "");

  // Number of nodes so far (for tests and logs).
  int node_count() const { return model_.graph().node_size(); }

  // The model as built so far (valid once inputs and outputs are set).
  const onnx::ModelProto& model() const { return model_; }

  // Serialises the model to `path` durably (temp file, fsync, rename, fsync dir).
  [[nodiscard]] Status Save(const std::filesystem::path& path) const;
  // The serialised bytes (what Save writes).
  std::string Serialize() const;

 private:
  void SetValueInfo(onnx::ValueInfoProto* vi, const std::string& name, const std::vector<int64_t>& dims);

  onnx::ModelProto model_;
  int opset_;
  std::map<std::string, int> name_counts_;
};

// Writes `bytes` to `path` durably: write to a temp file in the same
// directory, fsync it, rename over `path`, fsync the directory. Creates the
// parent directory. Errors: kInternal/kUnavailable-class Status on I/O failure.
[[nodiscard]] Status WriteFileDurably(const std::filesystem::path& path, std::string_view bytes);

// Lower-case hex SHA-256 of bytes / of a file's contents.
std::string Sha256Hex(std::string_view bytes);
[[nodiscard]] StatusOr<std::string> Sha256OfFile(const std::filesystem::path& path);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_ONNX_BUILDER_H_
