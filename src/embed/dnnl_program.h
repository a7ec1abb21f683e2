// Copyright 2026 The Candor Authors.
//
// An ONNX graph (onnx_graph.h) compiled into oneDNN primitives for one batch
// size: activations in NHWC, each convolution fused with what follows it in
// the graph (bias, a zero Pad before it, a spatial Slice after it, a residual
// Add as oneDNN's sum post-op, then ReLU / PReLU), weights reordered once
// into the layout oneDNN picks for this CPU. The converter's OpenCV
// workarounds (Pad -> Conv -> Slice for narrow depthwise maps) fold back into
// one padded convolution.
//
// Supported ops: Conv, Add, Relu, PRelu, Sigmoid, Tanh, MaxPool, AveragePool,
// GlobalAveragePool, Gemm (constant weights), Pad (zero; folded into a
// following convolution where it can be), Slice (folded into a convolution),
// Transpose (NCHW -> NHWC), Reshape, Flatten, Concat, Identity.
// Anything else: UNIMPLEMENTED from Compile (callers fall back to OpenCV).
//
// Thread safety: a program owns its buffers; Run() must not be called
// concurrently on one program (inference_dnnl.cc keeps one per instance).

#ifndef CANDOR_EMBED_DNNL_PROGRAM_H_
#define CANDOR_EMBED_DNNL_PROGRAM_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <dnnl.hpp>
#include <opencv2/core/mat.hpp>

#include "candor/status.h"
#include "embed/onnx_graph.h"

namespace candor {

class DnnlProgram {
 public:
  // `batch` >= 1; the graph's input must be [N, C, H, W] with C, H, W fixed.
  static StatusOr<std::unique_ptr<DnnlProgram>> Compile(const OnnxGraph& graph, int batch,
                                                        const dnnl::engine& engine);

  // `nchw`: contiguous float32 [batch, C, H, W]. Outputs in the graph's
  // declared order, each a new cv::Mat of the output's shape.
  StatusOr<std::vector<cv::Mat>> Run(const cv::Mat& nchw, dnnl::stream& stream);

  const std::vector<int64_t>& input_shape() const { return input_shape_; }
  int primitives() const { return primitives_; }

 private:
  friend class DnnlCompiler;
  DnnlProgram() = default;

  std::vector<int64_t> input_shape_;             // [N, C, H, W]
  dnnl::memory input_;                           // user NCHW, handle set per run
  std::vector<std::function<void(dnnl::stream&)>> steps_;
  std::vector<dnnl::memory> outputs_;            // plain row-major
  std::vector<std::vector<int64_t>> output_shapes_;
  std::vector<dnnl::memory> keep_;               // buffers the steps use
  int primitives_ = 0;
};

}  // namespace candor

#endif  // CANDOR_EMBED_DNNL_PROGRAM_H_
