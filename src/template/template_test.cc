// Copyright 2026 The Candor Authors.

#include "candor/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/hash.h"
#include "template/half.h"

namespace candor {
namespace {

std::vector<float> RandomUnit(int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n;
  std::vector<float> v(dim);
  double s = 0;
  for (auto& x : v) {
    x = n(rng);
    s += x * x;
  }
  for (auto& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

Template Make(const std::string& id, const std::string& model_bytes, std::vector<float> v,
              TemplateElementType et = TemplateElementType::kFloat32) {
  auto t = MakeTemplate(id, Sha256(model_bytes), std::move(v), kTemplateL2Normalized, et);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return *t;
}

TEST(HalfTest, ExactAndRounded) {
  for (float f : {0.f, -0.f, 1.f, -2.f, 0.5f, 65504.f, 6.103515625e-05f, 5.960464477539063e-08f}) {
    EXPECT_EQ(HalfToFloat(FloatToHalf(f)), f) << f;
  }
  EXPECT_TRUE(std::isinf(HalfToFloat(FloatToHalf(1e6f))));
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(NAN))));
  // Every half value survives a round trip through float.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = HalfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(FloatToHalf(f), h) << h;
  }
  EXPECT_NEAR(HalfToFloat(FloatToHalf(0.1f)), 0.1f, 0.1f / 1024);
}

TEST(TemplateTest, RoundTripFloat32IsExact) {
  Template t = Make("mobilefacenet", "model-a", RandomUnit(192, 1));
  auto bytes = SerializeTemplate(t);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 48 + 13 + 192 * 4 + 4u);
  auto back = ParseTemplate(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->model_id, "mobilefacenet");
  EXPECT_EQ(back->model_sha256, t.model_sha256);
  EXPECT_EQ(back->flags, kTemplateL2Normalized);
  EXPECT_EQ(back->values, t.values);
  EXPECT_FLOAT_EQ(*CompareTemplates(t, *back), 1.f);
}

TEST(TemplateTest, QuantizedFormsStayClose) {
  auto v = RandomUnit(128, 2);
  for (auto et : {TemplateElementType::kFloat16, TemplateElementType::kInt8}) {
    Template t = Make("dlib-resnet", "model-b", v, et);
    auto bytes = SerializeTemplate(t);
    ASSERT_TRUE(bytes.ok());
    auto back = ParseTemplate(*bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->element_type, et);
    Template f32 = Make("dlib-resnet", "model-b", v);
    auto c = CompareTemplates(f32, *back);  // element types may differ
    ASSERT_TRUE(c.ok());
    EXPECT_GT(*c, et == TemplateElementType::kFloat16 ? 0.99999f : 0.999f);
    EXPECT_LT(bytes->size(), 48 + 11 + 128 * 4 + 4u);
  }
}

// Found by template_fuzzer: int8 values so small that max|v|/127 underflowed
// to a subnormal/zero scale, which Parse then refused.
TEST(TemplateTest, TinyInt8ValuesStillRoundTrip) {
  for (float tiny : {7.8e-44f, 1e-40f, 1e-38f}) {
    auto t = MakeTemplate("m", Sha256("m"), {tiny, -tiny, 0.f}, 0, TemplateElementType::kInt8);
    ASSERT_TRUE(t.ok());
    auto bytes = SerializeTemplate(*t);
    ASSERT_TRUE(bytes.ok());
    auto back = ParseTemplate(*bytes);
    ASSERT_TRUE(back.ok()) << tiny << ": " << back.status().ToString();
    EXPECT_TRUE(SerializeTemplate(*back).ok());
  }
}

TEST(TemplateTest, CosineIsCorrect) {
  Template a = Make("m", "x", {1, 0, 0});
  Template b = Make("m", "x", {1, 1, 0});
  Template c = Make("m", "x", {-2, 0, 0});
  EXPECT_NEAR(*CompareTemplates(a, b), 1 / std::sqrt(2.f), 1e-6);
  EXPECT_NEAR(*CompareTemplates(a, c), -1.f, 1e-6);
  Template z = Make("m", "x", {0, 0, 0});
  EXPECT_EQ(CompareTemplates(a, z).status().code(), Code::kInvalidArgument);
}

TEST(TemplateTest, RefusesDifferentModelsHashesDimsVersions) {
  auto v = RandomUnit(64, 3);
  Template base = Make("mobilefacenet", "weights-1", v);
  Template other_model = Make("dlib-resnet", "weights-1", v);
  Template other_hash = Make("mobilefacenet", "weights-2", v);
  Template other_dim = Make("mobilefacenet", "weights-1", RandomUnit(63, 3));
  Template other_version = base;
  other_version.format_version = 2;
  for (const Template* t : {&other_model, &other_hash, &other_dim, &other_version}) {
    auto r = CompareTemplates(base, *t);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("not comparable"), std::string::npos)
        << r.status().message();
    EXPECT_FALSE(CompareTemplates(*t, base).ok());
  }
  EXPECT_NE(CompareTemplates(base, other_hash).status().message().find("model hashes"),
            std::string::npos);
}

TEST(TemplateTest, EveryTruncationAndEveryBitFlipIsRejected) {
  Template t = Make("mobilefacenet", "m", RandomUnit(32, 4));
  auto bytes = *SerializeTemplate(t);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(ParseTemplate(std::span<const uint8_t>(bytes.data(), n)).ok()) << n;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(ParseTemplate(longer).status().code(), Code::kDataLoss);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = bytes;
      bad[i] ^= static_cast<uint8_t>(1 << bit);
      auto r = ParseTemplate(bad);
      EXPECT_FALSE(r.ok()) << "flip at byte " << i << " bit " << bit;
    }
  }
}

TEST(TemplateTest, FutureVersionIsFailedPrecondition) {
  auto bytes = *SerializeTemplate(Make("m", "m", {1, 2}));
  bytes[4] = 2;
  auto r = ParseTemplate(bytes);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("version 2"), std::string::npos);
  EXPECT_EQ(ParseTemplate(std::vector<uint8_t>{'J', 'U', 'N', 'K', 0}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseTemplate(std::vector<uint8_t>{}).status().code(), Code::kInvalidArgument);
}

TEST(TemplateTest, MakeValidates) {
  auto h = Sha256("m");
  EXPECT_FALSE(MakeTemplate("", h, {1}).ok());
  EXPECT_FALSE(MakeTemplate("has space", h, {1}).ok());
  EXPECT_FALSE(MakeTemplate(std::string(65, 'a'), h, {1}).ok());
  EXPECT_FALSE(MakeTemplate("m", h, {}).ok());
  EXPECT_FALSE(MakeTemplate("m", h, std::vector<float>(kMaxTemplateDim + 1, 1.f)).ok());
  EXPECT_FALSE(MakeTemplate("m", h, {1, NAN}).ok());
  EXPECT_FALSE(MakeTemplate("m", h, {1, INFINITY}).ok());
  EXPECT_FALSE(MakeTemplate("m", h, {1}, 1u << 7).ok());
  EXPECT_FALSE(MakeTemplate("m", h, {1e6f}, 0, TemplateElementType::kFloat16).ok());
  EXPECT_TRUE(MakeTemplate("m", h, {1e6f}, 0, TemplateElementType::kInt8).ok());
}

TEST(TemplateTest, NonFiniteStoredValueIsRejectedEvenWithValidChecksum) {
  auto bytes = *SerializeTemplate(Make("m", "m", {1, 2}));
  // Overwrite the first value with NaN and fix the checksum: still rejected.
  uint32_t nan_bits = 0x7fc00000u;
  size_t off = 48 + 1;
  for (int i = 0; i < 4; ++i) bytes[off + i] = static_cast<uint8_t>(nan_bits >> (8 * i));
  uint32_t crc = Crc32cMask(Crc32c(std::span<const uint8_t>(bytes.data(), bytes.size() - 4)));
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  EXPECT_EQ(ParseTemplate(bytes).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace candor
