// Copyright 2026 The Candor Authors.
//
// Builds the face-api face recognition network (a ResNet-34-like port of
// dlib's 128-D face descriptor) as an ONNX graph from its layers-style
// weights (faceapi_weights.h). The architecture reproduces
// src/faceRecognitionNet/*.ts of @vladmandic/face-api 1.7.15 exactly:
//
//   conv 7x7/2 valid (3->32) + scale + ReLU, max-pool 3x3/2 valid,
//   residual x3 (32), down + residual x3 (64), down + residual x2 (128),
//   down + residual x2 (256), down (256), global mean, fc 256->128 (no bias).
//   residual(x) = relu(convNoRelu(conv(x)) + x), convs 3x3 'same';
//   down(x) = relu(pad(convNoRelu(convDown(x))) + chanpad(avgpool2x2/2(x))),
//   where convDown is 3x3/2 'valid', `pad` appends a zero row and column when
//   the average-pooled shortcut is larger (odd sizes), and `chanpad` appends
//   zero channels when the block doubles the channel count.
//   Each conv is followed by the "scale" layer x*w + b, folded here into the
//   convolution's weights and bias.
//
// Graph: input "input" [N,3,150,150] NCHW RGB, already normalised as
// (x - [122.782, 117.001, 104.298]) / 255 (what FaceRecognitionNet.forwardInput
// does before the first conv); output "descriptor" [N,128], not normalised
// (dlib convention: Euclidean distance < 0.6 = same person).
//
// Errors: DATA_LOSS when a weight is missing or has the wrong shape.
// Thread safety: pure function; the builder is not shared.

#ifndef CANDOR_TOOLS_CONVERT_FACEAPI_TO_ONNX_H_
#define CANDOR_TOOLS_CONVERT_FACEAPI_TO_ONNX_H_

#include <array>
#include <string>

#include "candor/status.h"
#include "faceapi_weights.h"
#include "onnx_builder.h"

namespace candor::convert {

// The per-channel mean (RGB, 0..255) and divisor of the face-api preprocessing.
inline constexpr std::array<float, 3> kFaceApiMeanRgb = {122.782f, 117.001f, 104.298f};
inline constexpr float kFaceApiScale = 255.0f;
inline constexpr int kFaceApiInputSize = 150;

struct FaceApiOnnxNames {
  std::string input;   // "input"
  std::string output;  // "descriptor"
};

// Adds the whole network to `builder` (inputs, initializers, nodes, output).
StatusOr<FaceApiOnnxNames> FaceApiResnetToOnnx(const WeightMap& weights, OnnxBuilder& builder);

}  // namespace candor::convert

#endif  // CANDOR_TOOLS_CONVERT_FACEAPI_TO_ONNX_H_
