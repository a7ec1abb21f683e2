// Copyright 2026 The Candor Authors.

#include "faceapi_to_onnx.h"

#include <vector>

namespace candor::convert {
namespace {

class Builder {
 public:
  Builder(const WeightMap& w, OnnxBuilder& b) : w_(w), b_(b) {}

  StatusOr<const WeightTensor*> Get(const std::string& name, const std::vector<int64_t>& shape) {
    auto it = w_.find(name);
    if (it == w_.end()) return DataLossError("face-api weights lack '" + name + "'");
    if (it->second.shape != shape) {
      std::string want, got;
      for (auto d : shape) want += std::to_string(d) + ",";
      for (auto d : it->second.shape) got += std::to_string(d) + ",";
      return DataLossError("face-api weight '" + name + "' has shape [" + got + "], want [" + want + "]");
    }
    return &it->second;
  }

  // conv (HWIO filters, 'same' or 'valid') + bias, then scale (x*w + b) folded
  // in: W' = W * w[o], b' = bias[o] * w[o] + b[o].
  StatusOr<std::string> ConvLayer(const std::string& x, const std::string& prefix, int64_t cin,
                                  int64_t cout, int64_t k, int64_t stride, bool valid, bool relu,
                                  int64_t* size) {
    CANDOR_ASSIGN_OR_RETURN(const WeightTensor* f, Get(prefix + "/conv/filters", {k, k, cin, cout}));
    CANDOR_ASSIGN_OR_RETURN(const WeightTensor* bias, Get(prefix + "/conv/bias", {cout}));
    CANDOR_ASSIGN_OR_RETURN(const WeightTensor* sw, Get(prefix + "/scale/weights", {cout}));
    CANDOR_ASSIGN_OR_RETURN(const WeightTensor* sb, Get(prefix + "/scale/biases", {cout}));
    std::vector<float> w(static_cast<size_t>(cout * cin * k * k));
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t i = 0; i < cin; ++i)
        for (int64_t h = 0; h < k; ++h)
          for (int64_t q = 0; q < k; ++q) {
            w[static_cast<size_t>(((o * cin + i) * k + h) * k + q)] =
                f->values[static_cast<size_t>(((h * k + q) * cin + i) * cout + o)] * sw->values[o];
          }
    std::vector<float> b(static_cast<size_t>(cout));
    for (int64_t o = 0; o < cout; ++o) b[o] = bias->values[o] * sw->values[o] + sb->values[o];
    std::vector<int64_t> pads = {0, 0, 0, 0};
    if (!valid) {  // TF 'same' at stride 1 with an odd kernel: symmetric
      const int64_t p = (k - 1) / 2;
      pads = {p, p, p, p};
    } else {
      *size = (*size - k) / stride + 1;
    }
    std::string y = b_.Conv(x, w, {cout, cin, k, k}, b, {stride, stride}, pads, 1, {1, 1}, prefix);
    return relu ? b_.Op("Relu", {y}) : y;
  }

  StatusOr<std::string> Residual(const std::string& x, const std::string& prefix, int64_t c, int64_t size) {
    int64_t s = size;
    CANDOR_ASSIGN_OR_RETURN(std::string y, ConvLayer(x, prefix + "/conv1", c, c, 3, 1, false, true, &s));
    CANDOR_ASSIGN_OR_RETURN(y, ConvLayer(y, prefix + "/conv2", c, c, 3, 1, false, false, &s));
    return b_.Op("Relu", {b_.Op("Add", {y, x})});
  }

  StatusOr<std::string> ResidualDown(const std::string& x, const std::string& prefix, int64_t cin,
                                     int64_t cout, int64_t* size) {
    int64_t conv_size = *size;
    CANDOR_ASSIGN_OR_RETURN(std::string y, ConvLayer(x, prefix + "/conv1", cin, cout, 3, 2, true, true, &conv_size));
    CANDOR_ASSIGN_OR_RETURN(y, ConvLayer(y, prefix + "/conv2", cout, cout, 3, 1, false, false, &conv_size));
    const int64_t pool_size = *size / 2;  // avgPool 2x2/2 'valid'
    std::string pooled = b_.Op("AveragePool", {x}, {Attr("kernel_shape", {2, 2}), Attr("strides", {2, 2}),
                                                    Attr("pads", {0, 0, 0, 0})});
    if (pool_size != conv_size) {
      if (pool_size != conv_size + 1) return InternalError("unexpected shape in " + prefix);
      // tf.concat of a zero row (axis 1) and a zero column (axis 2) at the end.
      y = b_.Op("Pad", {y}, {Attr("mode", "constant"), Attr("pads", {0, 0, 0, 0, 0, 0, 1, 1}), Attr("value", 0.0f)});
    }
    if (cin != cout) {
      if (cout != 2 * cin) return InternalError("unexpected channels in " + prefix);
      // tf.concat([pooled, zeros(pooled.shape)], 3): the new channels are zero.
      pooled = b_.Op("Pad", {pooled}, {Attr("mode", "constant"), Attr("pads", {0, 0, 0, 0, 0, cin, 0, 0}),
                                       Attr("value", 0.0f)});
    }
    *size = pool_size;
    return b_.Op("Relu", {b_.Op("Add", {pooled, y})});
  }

  StatusOr<FaceApiOnnxNames> Run() {
    FaceApiOnnxNames names{"input", "descriptor"};
    b_.AddInput(names.input, {kDynamic, 3, kFaceApiInputSize, kFaceApiInputSize});
    int64_t size = kFaceApiInputSize;
    CANDOR_ASSIGN_OR_RETURN(std::string x, ConvLayer(names.input, "conv32_down", 3, 32, 7, 2, true, true, &size));
    x = b_.Op("MaxPool", {x}, {Attr("kernel_shape", {3, 3}), Attr("strides", {2, 2}), Attr("pads", {0, 0, 0, 0})});
    size = (size - 3) / 2 + 1;
    struct Stage { const char* name; int64_t cin, cout; bool down; };
    const Stage stages[] = {
        {"conv32_1", 32, 32, false},   {"conv32_2", 32, 32, false},   {"conv32_3", 32, 32, false},
        {"conv64_down", 32, 64, true}, {"conv64_1", 64, 64, false},   {"conv64_2", 64, 64, false},
        {"conv64_3", 64, 64, false},   {"conv128_down", 64, 128, true}, {"conv128_1", 128, 128, false},
        {"conv128_2", 128, 128, false}, {"conv256_down", 128, 256, true}, {"conv256_1", 256, 256, false},
        {"conv256_2", 256, 256, false}, {"conv256_down_out", 256, 256, true},
    };
    for (const Stage& s : stages) {
      if (s.down) {
        CANDOR_ASSIGN_OR_RETURN(x, ResidualDown(x, s.name, s.cin, s.cout, &size));
      } else {
        CANDOR_ASSIGN_OR_RETURN(x, Residual(x, s.name, s.cin, size));
      }
    }
    // out.mean([1, 2]) then matMul with fc [256, 128] (no bias).
    x = b_.Op("Flatten", {b_.Op("GlobalAveragePool", {x})}, {Attr("axis", 1)});
    CANDOR_ASSIGN_OR_RETURN(const WeightTensor* fc, Get("fc", {256, 128}));
    std::vector<float> w_out_in(128 * 256);
    for (int o = 0; o < 128; ++o)
      for (int i = 0; i < 256; ++i) w_out_in[o * 256 + i] = fc->values[i * 128 + o];
    // The Gemm itself carries the output name (OpenCV 4.6 drops Identity nodes).
    names.output = b_.Gemm(x, w_out_in, 128, 256, std::vector<float>(128, 0.0f), names.output);
    b_.AddOutput(names.output, {kDynamic, 128});
    return names;
  }

 private:
  const WeightMap& w_;
  OnnxBuilder& b_;
};

}  // namespace

StatusOr<FaceApiOnnxNames> FaceApiResnetToOnnx(const WeightMap& weights, OnnxBuilder& builder) {
  return Builder(weights, builder).Run();
}

}  // namespace candor::convert
