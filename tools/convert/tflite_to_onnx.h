// Copyright 2026 The Candor Authors.
//
// Translates a parsed TFLite model (tflite_model.h) into an ONNX graph with
// OnnxBuilder, for OpenCV 4.6 DNN.
//
// Layout: TFLite is NHWC; the ONNX graph is NCHW throughout. A 4-D graph
// input [N,H,W,C] becomes an ONNX input [N,C,H,W] (same values, channels
// first); 4-D graph outputs are transposed back to NHWC; 2-D outputs are
// unchanged. The batch dimension is symbolic ("N") whatever batch the TFLite
// file was exported with; a RESHAPE that hard-codes the export batch is
// rewritten to keep the batch (Flatten / Reshape with 0).
//
// Ops: CONV_2D, DEPTHWISE_CONV_2D (any depth multiplier), ADD, SUB, MUL (with
// per-channel or scalar constants), RELU, RELU6, ABS, LOGISTIC, TANH, PRELU,
// RESHAPE, AVERAGE_POOL_2D, MAX_POOL_2D, CONCATENATION; fused activations
// NONE / RELU / RELU6. The PReLU idiom relu(x) + c * (x - |x|), which TFLite
// exports of PReLU networks use, is fused into one PRelu with slope 2c (OpenCV
// has PRelu; it is also faster). Anything else is UNIMPLEMENTED naming the op.
//
// Thread safety: pure function of its inputs; the builder is not shared.

#ifndef CANDOR_TOOLS_CONVERT_TFLITE_TO_ONNX_H_
#define CANDOR_TOOLS_CONVERT_TFLITE_TO_ONNX_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "candor/status.h"
#include "onnx_builder.h"
#include "tflite_model.h"

namespace candor::convert {

struct TfliteToOnnxResult {
  std::string input_name;
  std::vector<int64_t> input_dims;  // ONNX layout, kDynamic batch
  std::vector<std::string> output_names;
  std::vector<std::vector<int64_t>> output_dims;
  int prelu_fused = 0;                     // idioms replaced by PRelu
  std::map<std::string, int> source_ops;   // TFLite op name -> count
};

// Adds the whole graph (inputs, initializers, nodes, outputs) to `builder`.
// `input_name` / `output_names` name the ONNX graph inputs/outputs (empty:
// keep the TFLite tensor names).
StatusOr<TfliteToOnnxResult> TfliteToOnnx(const TfliteModel& model, OnnxBuilder& builder,
                                          const std::string& input_name = "",
                                          const std::vector<std::string>& output_names = {});

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_TFLITE_TO_ONNX_H_
