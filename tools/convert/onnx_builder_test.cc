// Copyright 2026 The Candor Authors.
//
// OnnxBuilder: the graphs it writes load in OpenCV 4.6 DNN and compute what
// they should, including the OpenCV-specific idioms, at batch 1 and 3.

#include "onnx_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <onnx/checker.h>
#include <opencv2/dnn.hpp>

namespace candor::convert {
namespace {

cv::dnn::Net Load(const OnnxBuilder& b) {
  std::string bytes = b.Serialize();
  return cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
}

cv::Mat RandomBlob(std::vector<int> shape, int seed) {
  cv::Mat m(shape, CV_32F);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, -2.0, 2.0);
  return m;
}

TEST(OnnxBuilder, PReluClipAndChannelConstWorkAtBatchOneAndThree) {
  OnnxBuilder b("t");
  b.AddInput("x", {kDynamic, 2, 3, 3});
  std::string p = b.PRelu("x", {0.5f, -0.25f}, "p");
  std::string c = b.Op("Add", {p, b.AddChannelConst("bias", {1.f, -1.f})});
  std::string y = b.Clip(c, 0.f, 1.5f, "y");
  b.AddOutput(y, {kDynamic, 2, 3, 3});
  for (int n : {1, 3}) {
    cv::dnn::Net net = Load(b);
    cv::Mat x = RandomBlob({n, 2, 3, 3}, n);
    net.setInput(x);
    cv::Mat out = net.forward();
    ASSERT_EQ(out.size[0], n);
    const float* xi = x.ptr<float>();
    const float* yo = out.ptr<float>();
    for (int i = 0; i < static_cast<int>(x.total()); ++i) {
      const int ch = (i / 9) % 2;
      float v = xi[i] >= 0 ? xi[i] : xi[i] * (ch == 0 ? 0.5f : -0.25f);
      v += ch == 0 ? 1.f : -1.f;
      v = std::min(1.5f, std::max(0.f, v));
      EXPECT_NEAR(yo[i], v, 1e-6) << "n=" << n << " i=" << i;
    }
  }
}

TEST(OnnxBuilder, GemmAndL2NormalizeMatchHandComputation) {
  OnnxBuilder b("t");
  b.AddInput("x", {kDynamic, 3});
  std::string g = b.Gemm("x", {1, 0, 0, 0, 1, 0, 1, 1, 1, 2, 0, -1}, 4, 3, {0, 0, 1, 0}, "fc");
  std::string y = b.L2Normalize(g, 1, "emb");
  b.AddOutput(y, {kDynamic, 4});
  cv::dnn::Net net = Load(b);
  cv::Mat x = (cv::Mat_<float>(2, 3) << 1, 2, 3, -1, 0, 2);
  net.setInput(x);
  cv::Mat out = net.forward();
  ASSERT_EQ(out.size[0], 2);
  ASSERT_EQ(out.size[1], 4);
  for (int r = 0; r < 2; ++r) {
    const float* xi = x.ptr<float>(r);
    float v[4] = {xi[0], xi[1], xi[0] + xi[1] + xi[2] + 1, 2 * xi[0] - xi[2]};
    float n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3]);
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(out.ptr<float>(r)[k], v[k] / n, 1e-6);
  }
}

TEST(OnnxBuilder, DepthToSpaceKeepsBatchDynamic) {
  OnnxBuilder b("t");
  b.AddInput("x", {kDynamic, 4, 1, 2});
  std::string y = b.DepthToSpace("x", 2, 4, 1, 2, "y");
  b.AddOutput(y, {kDynamic, 1, 2, 4});
  for (int n : {1, 2}) {
    cv::dnn::Net net = Load(b);
    cv::Mat x = RandomBlob({n, 4, 1, 2}, 7 + n);
    net.setInput(x);
    cv::Mat out = net.forward();
    ASSERT_EQ(out.size[0], n);
    // DCR: out[b,0,h*2+i,w*2+j] = in[b,(i*2+j),h,w]
    for (int bb = 0; bb < n; ++bb)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          for (int w = 0; w < 2; ++w) {
            int idx_out[4] = {bb, 0, i, w * 2 + j};
            int idx_in[4] = {bb, i * 2 + j, 0, w};
            EXPECT_EQ(out.at<float>(idx_out), x.at<float>(idx_in));
          }
  }
}

// Every idiom the builder emits passes ONNX's own model checker at opset 10.
TEST(OnnxBuilder, GraphsPassTheOnnxChecker) {
  OnnxBuilder b("t");
  b.AddInput("x", {kDynamic, 4, 2, 2});
  std::string p = b.PRelu("x", {0.5f, -0.25f, 1.f, 0.f}, "p");
  std::string c = b.Clip(b.Op("Add", {p, b.AddChannelConst("bias", {1.f, -1.f, 0.f, 2.f})}), 0.f, 6.f);
  std::string d = b.DepthToSpace(c, 2, 4, 2, 2, "d2s");
  std::string f = b.Op("Reshape", {d, b.AddShape("flat", {-1, 16})});
  std::string g = b.Gemm(f, std::vector<float>(3 * 16, 0.1f), 3, 16, {1.f, 2.f, 3.f}, "fc");
  b.AddOutput(b.L2Normalize(g, 1, "emb"), {kDynamic, 3});
  onnx::ModelProto m = b.model();
  EXPECT_NO_THROW(onnx::checker::check_model(m));
  // The checker is live: a node reading an undefined tensor is rejected.
  OnnxBuilder bad("t");
  bad.AddInput("x", {1, 2});
  bad.AddOutput(bad.Op("Add", {"x", "nowhere"}), {1, 2});
  onnx::ModelProto mb = bad.model();
  EXPECT_ANY_THROW(onnx::checker::check_model(mb));
}

TEST(OnnxBuilder, UniqueNamesNeverCollide) {
  OnnxBuilder b("t");
  std::set<std::string> seen;
  for (const char* h : {"a", "a", "a__1", "a", "a/b:0", "a/b:0"}) {
    EXPECT_TRUE(seen.insert(b.UniqueName(h)).second) << h;
  }
}

TEST(OnnxBuilder, SaveIsDurableAndLeavesNoTempFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("candor_ob_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  OnnxBuilder b("t");
  b.AddInput("x", {1, 2});
  b.AddOutput(b.Op("Relu", {"x"}), {1, 2});
  ASSERT_TRUE(b.Save(dir / "sub" / "m.onnx").ok());
  std::ifstream in(dir / "sub" / "m.onnx", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, b.Serialize());
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "sub")) { (void)e; ++files; }
  EXPECT_EQ(files, 1);
  // A path whose parent is a regular file fails with a Status, not a crash.
  Status s = b.Save(dir / "sub" / "m.onnx" / "x.onnx");
  EXPECT_FALSE(s.ok());
  std::filesystem::remove_all(dir);
}

TEST(OnnxBuilder, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}


namespace shaped {

// Plain reference convolution (NCHW, weights [M, C/group, k, k], zero padding).
cv::Mat RefConv(const cv::Mat& x, const std::vector<float>& w, int m, int k, int group, int stride,
                const std::vector<int64_t>& pads, int oh, int ow) {
  const int n = x.size[0], c = x.size[1], h = x.size[2], wd = x.size[3], cpg = c / group, mpg = m / group;
  cv::Mat y({n, m, oh, ow}, CV_32F, cv::Scalar(0));
  for (int b = 0; b < n; ++b)
    for (int o = 0; o < m; ++o)
      for (int i = 0; i < oh; ++i)
        for (int j = 0; j < ow; ++j) {
          double s = 0;
          for (int ci = 0; ci < cpg; ++ci)
            for (int u = 0; u < k; ++u)
              for (int v = 0; v < k; ++v) {
                const int yy = i * stride - static_cast<int>(pads[0]) + u;
                const int xx = j * stride - static_cast<int>(pads[1]) + v;
                if (yy < 0 || xx < 0 || yy >= h || xx >= wd) continue;
                const int ch = (o / mpg) * cpg + ci;
                s += x.ptr<float>(b, ch)[yy * wd + xx] * w[((o * cpg + ci) * k + u) * k + v];
              }
          y.ptr<float>(b, o)[i * ow + j] = static_cast<float>(s);
        }
  return y;
}

struct Case {
  int c, m, group, hw, stride;
  std::vector<int64_t> pads;
  std::set<std::string> want_ops;  // node types the builder must emit
};

void CheckCase(const Case& t) {
  OnnxBuilder b("t");
  b.AddInput("x", {kDynamic, t.c, t.hw, t.hw});
  std::vector<float> w(static_cast<size_t>(t.m * (t.c / t.group) * 9));
  cv::RNG rng(7);
  for (float& v : w) v = rng.uniform(-1.f, 1.f);
  const int o = static_cast<int>((t.hw + t.pads[0] + t.pads[2] - 3) / t.stride + 1);
  std::string y = b.Conv("x", w, {t.m, t.c / t.group, 3, 3}, {}, {t.stride, t.stride}, t.pads, t.group, {1, 1}, "y",
                         {t.hw, t.hw});
  b.AddOutput(y, {kDynamic, t.m, o, o});
  std::set<std::string> ops;
  for (const auto& node : b.model().graph().node()) ops.insert(node.op_type());
  EXPECT_EQ(ops, t.want_ops);
  EXPECT_NO_THROW(::onnx::checker::check_model(b.model()));
  for (int n : {1, 2}) {
    cv::dnn::Net net = Load(b);
    cv::Mat x = RandomBlob({n, t.c, t.hw, t.hw}, n);
    net.setInput(x);
    cv::Mat got = net.forward();
    cv::Mat want = RefConv(x, w, t.m, 3, t.group, t.stride, t.pads, o, o);
    ASSERT_EQ(got.total(), want.total()) << "batch " << n;
    EXPECT_LE(cv::norm(got.reshape(1, 1), want.reshape(1, 1), cv::NORM_INF), 1e-4) << "batch " << n;
    if (ops.count("Pad") == 0) {  // OpenCV itself must not have split the padding off
      std::vector<cv::String> layers = net.getLayerNames();
      for (const auto& l : layers) EXPECT_EQ(l.find("/pad"), std::string::npos) << l;
    }
  }
}

}  // namespace shaped

// A 3x3 depthwise convolution narrower than OpenCV's fast kernel accepts is
// widened with zero columns and sliced back; results equal a plain convolution.
TEST(OnnxBuilder, NarrowDepthwiseIsWidenedAndSlicedWithIdenticalResults) {
  shaped::CheckCase({8, 8, 8, 14, 1, {1, 1, 1, 1}, {"Pad", "Conv", "Slice"}});
  shaped::CheckCase({8, 8, 8, 14, 2, {0, 0, 1, 1}, {"Pad", "Conv", "Slice"}});
  shaped::CheckCase({4, 4, 4, 7, 1, {1, 1, 1, 1}, {"Pad", "Conv", "Slice"}});
}

// TF "SAME" asymmetric padding becomes auto_pad SAME_UPPER (no Padding layer).
TEST(OnnxBuilder, AsymmetricSamePaddingBecomesAutoPadWithIdenticalResults) {
  shaped::CheckCase({3, 6, 1, 20, 2, {0, 0, 1, 1}, {"Conv"}});
  shaped::CheckCase({8, 8, 8, 28, 2, {0, 0, 1, 1}, {"Conv"}});
  shaped::CheckCase({8, 8, 8, 28, 1, {1, 1, 1, 1}, {"Conv"}});  // wide enough: unchanged
}

}  // namespace
}  // namespace candor::convert
