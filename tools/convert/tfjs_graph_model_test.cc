// Copyright 2026 The Candor Authors.
//
// TF.js graph-model reader and converter on small synthetic models written
// here: weight decoding (float32, int32, float16, uint8 q*scale+min across two
// shards), every malformed-input error path, and a converted graph (Conv2D
// with TF's asymmetric SAME padding at stride 2, fused BiasAdd + Relu6,
// depthwise conv, Reshape) run in OpenCV against a direct NHWC computation.

#include "tfjs_graph_model.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/dnn.hpp>

#include "onnx_builder.h"
#include "tfjs_to_onnx.h"

namespace candor::convert {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class TfjsGraphModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("candor_tfjs_model_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  template <typename T>
  static std::string Bytes(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  static json Node(const std::string& name, const std::string& op, std::vector<std::string> inputs = {},
                   json attr = json::object()) {
    json n = {{"name", name}, {"op", op}, {"attr", attr}};
    if (!inputs.empty()) n["input"] = inputs;
    return n;
  }
  fs::path dir_;
};

// A model with one weight of each encoding, split over two shards.
TEST_F(TfjsGraphModelTest, DecodesAllWeightEncodingsAcrossShards) {
  std::vector<float> f32 = {1.5f, -2.25f};
  std::vector<int32_t> i32 = {7, -3, 2};
  std::vector<uint16_t> f16 = {0x3C00, 0xC000, 0x3555, 0x0001};  // 1, -2, ~0.33325, smallest subnormal
  std::vector<uint8_t> u8 = {0, 10, 255};
  std::string all = Bytes(f32) + Bytes(i32) + Bytes(f16) + Bytes(u8);
  Write("a.bin", all.substr(0, 13));
  Write("b.bin", all.substr(13));
  json m = {{"format", "graph-model"},
            {"modelTopology", {{"node", json::array({Node("x", "Placeholder")})}}},
            {"weightsManifest",
             json::array({{{"paths", {"a.bin", "b.bin"}},
                           {"weights",
                            json::array({{{"name", "f"}, {"shape", {2}}, {"dtype", "float32"}},
                                         {{"name", "i"}, {"shape", {3}}, {"dtype", "int32"}},
                                         {{"name", "h"},
                                          {"shape", {2, 2}},
                                          {"dtype", "float32"},
                                          {"quantization", {{"dtype", "float16"}}}},
                                         {{"name", "q"},
                                          {"shape", {3}},
                                          {"dtype", "float32"},
                                          {"quantization", {{"dtype", "uint8"}, {"scale", 0.5}, {"min", -1.0}}}}})}}})}};
  Write("model.json", m.dump());
  StatusOr<TfGraphModel> g = LoadTfjsGraphModel(dir_ / "model.json");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->weights.at("f").f, f32);
  EXPECT_EQ(g->weights.at("i").i, (std::vector<int64_t>{7, -3, 2}));
  const auto& h = g->weights.at("h").f;
  EXPECT_EQ(h[0], 1.f);
  EXPECT_EQ(h[1], -2.f);
  EXPECT_NEAR(h[2], 0.33325, 1e-5);
  EXPECT_FLOAT_EQ(h[3], std::ldexp(1.f, -24));
  EXPECT_EQ(g->weights.at("q").f, (std::vector<float>{-1.f, 4.f, 126.5f}));
  EXPECT_EQ(g->shard_paths.size(), 2u);
}

TEST_F(TfjsGraphModelTest, RejectsBadInputsWithClearErrors) {
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "absent.json").status().code(), Code::kNotFound);
  Write("bad.json", "{\"format\": ");
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "bad.json").status().code(), Code::kInvalidArgument);
  Write("layers.json", R"({"format":"layers-model","modelTopology":{"config":{}},"weightsManifest":[]})");
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "layers.json").status().code(), Code::kInvalidArgument);

  auto manifest = [](const std::string& path, int n) {
    return json{{"format", "graph-model"},
                {"modelTopology", {{"node", json::array()}}},
                {"weightsManifest",
                 json::array({{{"paths", {path}},
                               {"weights", json::array({{{"name", "w"}, {"shape", {n}}, {"dtype", "float32"}}})}}})}};
  };
  Write("w.bin", std::string(8, '\0'));
  Write("short.json", manifest("w.bin", 3).dump());  // 12 bytes wanted, 8 present
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "short.json").status().code(), Code::kDataLoss);
  Write("long.json", manifest("w.bin", 1).dump());  // 4 bytes wanted, 8 present
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "long.json").status().code(), Code::kDataLoss);
  Write("missing.json", manifest("nope.bin", 1).dump());
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "missing.json").status().code(), Code::kNotFound);
  Write("escape.json", manifest("../../etc/passwd", 1).dump());
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "escape.json").status().code(), Code::kInvalidArgument);
  json neg = manifest("w.bin", 1);
  neg["weightsManifest"][0]["weights"][0]["shape"] = {-2};
  Write("neg.json", neg.dump());
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "neg.json").status().code(), Code::kInvalidArgument);
  json q = manifest("w.bin", 1);
  q["weightsManifest"][0]["weights"][0]["quantization"] = {{"dtype", "int4"}};
  Write("q.json", q.dump());
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "q.json").status().code(), Code::kInvalidArgument);
  json wrongtype = manifest("w.bin", 1);
  wrongtype["modelTopology"]["node"] = json::array({json{{"name", 5}, {"op", "Const"}}});
  Write("wrongtype.json", wrongtype.dump());
  EXPECT_EQ(LoadTfjsGraphModel(dir_ / "wrongtype.json").status().code(), Code::kInvalidArgument);
}

// x [1,6,6,2] -> Conv2D 3x3 stride 2 SAME (TF pads 0 before, 1 after: asymmetric) +
// BiasAdd + Relu6 -> depthwise 2x2 VALID -> Reshape [1,-1].
TEST_F(TfjsGraphModelTest, ConvertedConvolutionsMatchDirectNhwcComputation) {
  const int H = 6, W = 6, C = 2, K = 3, O = 3;
  std::vector<float> filt(K * K * C * O), bias = {0.5f, -0.25f, 0.f}, dw(2 * 2 * O);
  for (size_t i = 0; i < filt.size(); ++i) filt[i] = std::sin(0.7f * i) * 0.8f;
  for (size_t i = 0; i < dw.size(); ++i) dw[i] = std::cos(0.3f * i);
  std::vector<int32_t> shape = {1, -1};
  Write("m.bin", Bytes(filt) + Bytes(bias) + Bytes(dw) + Bytes(shape));
  auto s64 = [](const std::string& s) {  // base64 of short ASCII strings used as attrs
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : s) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) {
        out.push_back(k[(val >> bits) & 0x3F]);
        bits -= 6;
      }
    }
    if (bits > -6) out.push_back(k[((val << 8) >> (bits + 8)) & 0x3F]);
    while (out.size() % 4) out.push_back('=');
    return out;
  };
  json ints = [](std::vector<int> v) {
    json l = json::array();
    for (int x : v) l.push_back(std::to_string(x));
    return json{{"list", {{"i", l}}}};
  }({1, 2, 2, 1});
  json conv_attr = {{"strides", ints}, {"padding", {{"s", s64("SAME")}}},
                    {"fused_ops", {{"list", {{"s", {s64("BiasAdd"), s64("Relu6")}}}}}}};
  json dw_attr = {{"padding", {{"s", s64("VALID")}}}};
  json m = {{"format", "graph-model"},
            {"modelTopology",
             {{"node", json::array({Node("x", "Placeholder", {},
                                         {{"shape", {{"shape", {{"dim", json::array({{{"size", "1"}}, {{"size", "6"}},
                                                                                      {{"size", "6"}}, {{"size", "2"}}})}}}}}}),
                                    Node("filt", "Const"), Node("bias", "Const"), Node("dw", "Const"),
                                    Node("shape", "Const"), Node("conv", "_FusedConv2D", {"x", "filt", "bias"}, conv_attr),
                                    Node("dwc", "DepthwiseConv2dNative", {"conv", "dw"}, dw_attr),
                                    Node("out", "Reshape", {"dwc", "shape"})})}}},
            {"weightsManifest",
             json::array({{{"paths", {"m.bin"}},
                           {"weights", json::array({{{"name", "filt"}, {"shape", {K, K, C, O}}, {"dtype", "float32"}},
                                                    {{"name", "bias"}, {"shape", {O}}, {"dtype", "float32"}},
                                                    {{"name", "dw"}, {"shape", {2, 2, O, 1}}, {"dtype", "float32"}},
                                                    {{"name", "shape"}, {"shape", {2}}, {"dtype", "int32"}}})}}})}};
  Write("m.json", m.dump());
  StatusOr<TfGraphModel> g = LoadTfjsGraphModel(dir_ / "m.json");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  OnnxBuilder b("t");
  TfjsConvertOptions opt;
  opt.outputs = {"out"};
  StatusOr<TfjsConvertReport> r = ConvertTfjsGraph(*g, opt, b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->input.shape, (std::vector<int64_t>{-1, C, H, W}));

  // Input NHWC x[y][x][c] = f(y, x, c); reference in NHWC.
  auto xin = [](int y, int x, int c) { return std::sin(1.3f * y + 0.9f * x + 2.1f * c); };
  const int OH = 3, OW = 3;  // ceil(6/2); TF pads 0 before and 1 after
  float conv[OH][OW][O];
  for (int oy = 0; oy < OH; ++oy)
    for (int ox = 0; ox < OW; ++ox)
      for (int o = 0; o < O; ++o) {
        float s = bias[o];
        for (int ky = 0; ky < K; ++ky)
          for (int kx = 0; kx < K; ++kx)
            for (int c = 0; c < C; ++c) {
              const int iy = oy * 2 + ky, ix = ox * 2 + kx;  // no pad before
              if (iy < 0 || ix < 0 || iy >= H || ix >= W) continue;
              s += xin(iy, ix, c) * filt[((ky * K + kx) * C + c) * O + o];
            }
        conv[oy][ox][o] = std::min(6.f, std::max(0.f, s));
      }
  std::vector<float> want;  // dw 2x2 valid -> [2,2,O], flattened NHWC
  for (int oy = 0; oy < 2; ++oy)
    for (int ox = 0; ox < 2; ++ox)
      for (int o = 0; o < O; ++o) {
        float s = 0;
        for (int ky = 0; ky < 2; ++ky)
          for (int kx = 0; kx < 2; ++kx) s += conv[oy + ky][ox + kx][o] * dw[(ky * 2 + kx) * O + o];
        want.push_back(s);
      }
  for (int n : {1, 2}) {
    cv::Mat blob({n, C, H, W}, CV_32F);
    for (int bb = 0; bb < n; ++bb)
      for (int c = 0; c < C; ++c)
        for (int y = 0; y < H; ++y)
          for (int x = 0; x < W; ++x) blob.ptr<float>()[((bb * C + c) * H + y) * W + x] = xin(y, x, c);
    std::string bytes = b.Serialize();
    cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    net.setInput(blob);
    cv::Mat out = net.forward("out");
    ASSERT_EQ(out.total(), want.size() * n);
    for (int bb = 0; bb < n; ++bb)
      for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out.ptr<float>()[bb * want.size() + i], want[i], 1e-5);
  }
}

// Attributes of the wrong type or value give an error Status, never a crash.
TEST_F(TfjsGraphModelTest, MalformedAttributesAreErrorsNotCrashes) {
  Write("w.bin", Bytes(std::vector<float>(2 * 2 * 1 * 1, 1.f)) + Bytes(std::vector<int32_t>{1, -1}));
  const json shape4 = {{"shape", {{"shape", {{"dim", json::array({{{"size", "1"}}, {{"size", "4"}},
                                                                   {{"size", "4"}}, {{"size", "1"}}})}}}}}};
  const std::vector<json> bad_attrs = {
      {{"strides", {{"list", {{"i", {"1", "0", "0", "1"}}}}}}, {"padding", {{"s", "U0FNRQ=="}}}},  // stride 0
      {{"strides", "oops"}},                                                                      // wrong type
      {{"padding", {{"s", 42}}}},                                                                 // wrong type
      {{"ksize", {{"list", {{"i", {"1", "9", "9", "1"}}}}}},
       {"strides", {{"list", {{"i", {"1", "1", "1", "1"}}}}}}},  // window larger than input
      {{"strides", {{"list", {{"i", {"1", "x", "1", "1"}}}}}}},  // not a number
  };
  // Conv2D tolerates a missing/non-list `strides` (defaults to 1) and ignores `ksize`.
  const std::map<std::string, std::vector<bool>> expect_error = {{"Conv2D", {true, false, true, false, true}},
                                                                 {"MaxPool", {true, true, true, true, true}}};
  for (const char* op : {"Conv2D", "MaxPool"}) {
    for (size_t k = 0; k < bad_attrs.size(); ++k) {
      const json& attr = bad_attrs[k];
      std::vector<std::string> ins = {"x"};
      if (std::string(op) == "Conv2D") ins.push_back("f");
      json m = {{"format", "graph-model"},
                {"modelTopology",
                 {{"node", json::array({Node("x", "Placeholder", {}, shape4), Node("f", "Const"),
                                        Node("y", op, ins, attr)})}}},
                {"weightsManifest",
                 json::array({{{"paths", {"w.bin"}},
                               {"weights", json::array({{{"name", "f"}, {"shape", {2, 2, 1, 1}}, {"dtype", "float32"}},
                                                        {{"name", "s"}, {"shape", {2}}, {"dtype", "int32"}}})}}})}};
      Write("m.json", m.dump());
      StatusOr<TfGraphModel> g = LoadTfjsGraphModel(dir_ / "m.json");
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      OnnxBuilder b("t");
      TfjsConvertOptions o;
      o.outputs = {"y"};
      StatusOr<TfjsConvertReport> r = ConvertTfjsGraph(*g, o, b);
      EXPECT_EQ(!r.ok(), expect_error.at(op)[k]) << op << " " << attr.dump() << " " << r.status().ToString();
    }
  }
}

TEST_F(TfjsGraphModelTest, UnsupportedOpIsNamedInTheError) {
  Write("u.bin", "");
  json m = {{"format", "graph-model"},
            {"modelTopology",
             {{"node", json::array({Node("x", "Placeholder", {},
                                         {{"shape", {{"shape", {{"dim", json::array({{{"size", "1"}}, {{"size", "4"}}})}}}}}}),
                                    Node("y", "Cumsum", {"x"})})}}},
            {"weightsManifest", json::array({{{"paths", {"u.bin"}}, {"weights", json::array()}}})}};
  Write("u.json", m.dump());
  StatusOr<TfGraphModel> g = LoadTfjsGraphModel(dir_ / "u.json");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  OnnxBuilder b("t");
  StatusOr<TfjsConvertReport> r = ConvertTfjsGraph(*g, {}, b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnimplemented);
  EXPECT_NE(r.status().message().find("Cumsum"), std::string::npos) << r.status().message();
}

// A zero spatial Pad before a VALID depthwise convolution is folded into the
// convolution's padding, with the same result (3x3 box sums with zero borders).
TEST_F(TfjsGraphModelTest, ZeroPadIsFoldedIntoTheNextConvolution) {
  std::vector<float> ones(3 * 3, 1.f);
  std::vector<int32_t> pads = {0, 0, 1, 2, 1, 0, 0, 0};  // H: 1 before, 2 after; W: 1 before
  Write("p.bin", Bytes(ones) + Bytes(pads));
  json m = {{"format", "graph-model"},
            {"modelTopology",
             {{"node", json::array({Node("x", "Placeholder", {},
                                         {{"shape", {{"shape", {{"dim", json::array({{{"size", "1"}}, {{"size", "4"}},
                                                                                      {{"size", "4"}}, {{"size", "1"}}})}}}}}}),
                                    Node("k", "Const"), Node("pads", "Const"), Node("p", "Pad", {"x", "pads"}),
                                    Node("y", "DepthwiseConv2dNative", {"p", "k"})})}}},
            {"weightsManifest",
             json::array({{{"paths", {"p.bin"}},
                           {"weights", json::array({{{"name", "k"}, {"shape", {3, 3, 1, 1}}, {"dtype", "float32"}},
                                                    {{"name", "pads"}, {"shape", {4, 2}}, {"dtype", "int32"}}})}}})}};
  Write("p.json", m.dump());
  StatusOr<TfGraphModel> g = LoadTfjsGraphModel(dir_ / "p.json");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  OnnxBuilder b("t");
  TfjsConvertOptions o;
  o.outputs = {"y"};
  StatusOr<TfjsConvertReport> r = ConvertTfjsGraph(*g, o, b);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->pads_folded, 1);
  // Padded input is 7 x 5; VALID 3x3 gives 5 x 3.
  EXPECT_EQ(r->outputs[0].shape, (std::vector<int64_t>{-1, 5, 3, 1}));
  cv::Mat blob({1, 1, 4, 4}, CV_32F);
  for (int i = 0; i < 16; ++i) blob.ptr<float>()[i] = static_cast<float>(i + 1);
  std::string bytes = b.Serialize();
  cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
  net.setInput(blob);
  cv::Mat out = net.forward("y");
  ASSERT_EQ(out.total(), 15u);
  for (int oy = 0; oy < 5; ++oy)
    for (int ox = 0; ox < 3; ++ox) {
      float s = 0;
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          const int iy = oy + ky - 1, ix = ox + kx - 1;
          if (iy >= 0 && ix >= 0 && iy < 4 && ix < 4) s += blob.ptr<float>()[iy * 4 + ix];
        }
      EXPECT_EQ(out.ptr<float>()[oy * 3 + ox], s) << oy << "," << ox;
    }
}

// The command line maps errors to the documented exit codes (candor::ExitCode):
// 3 for a missing model, 2 for a malformed one, 0 and two files on success.
TEST_F(TfjsGraphModelTest, CommandLineExitCodes) {
  auto run = [&](const std::string& model, const std::string& out) {
    const std::string cmd = std::string("'") + CANDOR_CONVERT_BIN + "' tfjs-graph --model '" + model + "' --out '" +
                            out + "' > /dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run((dir_ / "absent.json").string(), (dir_ / "a.onnx").string()), 3);
  Write("bad.json", "{\"modelTopology\": 1}");
  EXPECT_EQ(run((dir_ / "bad.json").string(), (dir_ / "b.onnx").string()), 2);
  EXPECT_FALSE(fs::exists(dir_ / "b.onnx"));
  // A minimal valid model: x -> Relu.
  Write("r.bin", "");
  json m = {{"format", "graph-model"},
            {"modelTopology",
             {{"node", json::array({Node("x", "Placeholder", {},
                                         {{"shape", {{"shape", {{"dim", json::array({{{"size", "1"}}, {{"size", "8"}}})}}}}}}),
                                    Node("y", "Relu", {"x"})})}}},
            {"weightsManifest", json::array({{{"paths", {"r.bin"}}, {"weights", json::array()}}})}};
  Write("r.json", m.dump());
  EXPECT_EQ(run((dir_ / "r.json").string(), (dir_ / "out" / "relu.onnx").string()), 0);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "relu.onnx"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "relu.json"));
}

}  // namespace
}  // namespace candor::convert
