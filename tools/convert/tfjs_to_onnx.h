// Copyright 2026 The Candor Authors.
//
// Converts a TF.js graph model (see tfjs_graph_model.h) into an ONNX graph
// with OnnxBuilder, for OpenCV 4.6 DNN.
//
// Layout: TF.js graphs are NHWC; the ONNX graph is NCHW end to end. The input
// becomes [N, C, H, W] (what cv::dnn::blobFromImage produces) and every 4-D
// activation stays NCHW, so OpenCV runs each convolution natively. A Transpose
// is inserted only where TF semantics depend on the memory order (Reshape /
// Transpose / non-spatial Squeeze of a 4-D tensor, or a 4-D graph output,
// which is returned NHWC as in TF). Why: OpenCV DNN is NCHW-only; an NHWC
// graph would need a transpose pair around every convolution.
//
// Ops: Conv2D, DepthwiseConv2dNative, _FusedConv2D / FusedDepthwiseConv2dNative
// (fused BiasAdd, FusedBatchNorm, Relu, Relu6, Prelu, LeakyRelu, Elu, Sigmoid,
// Tanh), Pad / PadV2 / MirrorPad (zero spatial pads folded into the next
// convolution), MaxPool, AvgPool, Add/AddV2/BiasAdd/Sub/Mul/RealDiv/Div/
// Maximum/Minimum, Relu, Relu6, Prelu, Elu, LeakyRelu, Sigmoid, Tanh, Abs, Neg,
// Square, Sqrt, Rsqrt, Exp, Softmax, Sum, Mean, Max, Reshape, Squeeze,
// ExpandDims, Transpose, ConcatV2, MatMul, Identity, Const, Placeholder.
// Idioms fused for OpenCV: relu(x) + c*(x - |x|), relu(x) + c*min(x, 0) and
// x + c*(x - |x|) -> PRelu (see TryPreluIdiom in the .cc for the repair); x * rsqrt(max(sum(x^2), eps)) -> ReduceL2 + Div; max/min with a
// scalar constant -> Clip.
// A Squeeze of H and W is emitted as Reshape [-1, C]: OpenCV 4.6 froze the
// batch after a Squeeze (a following ReduceL2 + Div broke at batch > 1).
// Only nodes that an output depends on are converted.
//
// Errors: Unimplemented for an op or attribute combination outside that list
// (naming the node), InvalidArgument for inconsistent graphs. Never throws.
// Thread safety: no shared state; one builder per call.

#ifndef CANDOR_TOOLS_CONVERT_TFJS_TO_ONNX_H_
#define CANDOR_TOOLS_CONVERT_TFJS_TO_ONNX_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model_sidecar.h"
#include "onnx_builder.h"
#include "tfjs_graph_model.h"

namespace candor::convert {

struct TfjsConvertOptions {
  // Negate every PReLU slope (human-models' mobilefacenet export flipped them).
  bool repair_prelu_signs = false;
  // Source tensors to export ("Identity_2" or "Identity_2:0"); empty = the
  // model's signature outputs, else every sink node.
  std::vector<std::string> outputs;
  // Extra outputs: name -> ONNX outputs to concatenate along axis 1 (e.g.
  // blazeface's two anchor grids into one list of 896).
  std::vector<std::pair<std::string, std::vector<std::string>>> concat_outputs;
  // Makes the batch dimension of the input symbolic ("N") even when the source
  // fixes it to 1. Reshape targets are rewritten to keep the batch.
  bool dynamic_batch = true;
};

struct TfjsConvertReport {
  TensorSpec input;                  // ONNX input (NCHW)
  std::vector<TensorSpec> outputs;   // ONNX outputs with their source tensors
  int prelu_fused = 0;               // PReLU idioms fused to PRelu
  int prelu_repaired = 0;            // PReLUs whose slopes were negated
  int relu_unfused = 0;              // fused ReLUs removed by the PReLU repair
  int pads_folded = 0;               // Pad nodes folded into convolutions
  int transposes = 0;                // layout transposes inserted
  std::map<std::string, int> source_ops;  // converted source ops by type
};

[[nodiscard]] StatusOr<TfjsConvertReport> ConvertTfjsGraph(const TfGraphModel& model,
                                                           const TfjsConvertOptions& options,
                                                           OnnxBuilder& builder);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_TFJS_TO_ONNX_H_
