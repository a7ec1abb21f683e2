// Copyright 2026 The Candor Authors.
//
// ISO/IEC 19794-2:2005 records and the sealed template: byte layout, round
// trips, and rejection of malformed input.

#include <gtest/gtest.h>

#include <cmath>

#include "candor/finger.h"
#include "finger/synthetic.h"

namespace candor::finger {
namespace {

FingerTemplate Small() {
  FingerTemplate t;
  t.width = 388;
  t.height = 374;
  t.finger_position = 2;
  t.quality = 77;
  t.minutiae.push_back({10, 20, 0, MinutiaType::kEnding, 90});
  t.minutiae.push_back({300.4f, 200.6f, static_cast<float>(CV_PI / 2), MinutiaType::kBifurcation, 55});
  return t;
}

std::vector<uint8_t> Export(const FingerTemplate& t) {
  auto r = ExportIso19794_2(std::span<const FingerTemplate>(&t, 1));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<uint8_t>{};
}

TEST(Iso19794Test, ByteLayout) {
  const auto b = Export(Small());
  ASSERT_EQ(b.size(), 24u + 4 + 2 * 6 + 2);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 8), std::string("FMR\0 20\0", 8));
  EXPECT_EQ((b[8] << 24 | b[9] << 16 | b[10] << 8 | b[11]), static_cast<int>(b.size()));
  EXPECT_EQ((b[14] << 8 | b[15]), 388);
  EXPECT_EQ((b[16] << 8 | b[17]), 374);
  EXPECT_EQ((b[18] << 8 | b[19]), 197);  // 500 dpi in px/cm
  EXPECT_EQ(b[22], 1);                   // one view
  EXPECT_EQ(b[24], 2);                   // finger position
  EXPECT_EQ(b[26], 77);
  EXPECT_EQ(b[27], 2);
  // Ending at (10, 20), angle 0, quality 90.
  const uint8_t m0[6] = {0x40, 10, 0, 20, 0, 90};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(b[28 + i], m0[i]) << i;
  // Bifurcation at (300, 201), pointing down the screen = 270 deg counter-clockwise = 192 units.
  const uint8_t m1[6] = {0x81, 0x2C, 0, 201, 192, 55};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(b[34 + i], m1[i]) << i;
}

TEST(Iso19794Test, RoundTripIsExactAfterQuantisation) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    FingerTemplate t = SyntheticTemplate(seed);
    t.finger_position = static_cast<int>(seed % 11);
    const auto once = Export(t);
    auto back = ImportIso19794_2(once);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->size(), 1u);
    const FingerTemplate& u = (*back)[0];
    EXPECT_EQ(u.finger_position, t.finger_position);
    ASSERT_EQ(u.minutiae.size(), t.minutiae.size());
    for (size_t i = 0; i < t.minutiae.size(); ++i) {
      EXPECT_NEAR(u.minutiae[i].x, t.minutiae[i].x, 0.5);
      EXPECT_NEAR(u.minutiae[i].y, t.minutiae[i].y, 0.5);
      EXPECT_NEAR(std::abs(std::remainder(u.minutiae[i].direction - t.minutiae[i].direction, 2 * CV_PI)), 0,
                  CV_PI / 256 + 1e-6);
      EXPECT_EQ(u.minutiae[i].type, t.minutiae[i].type);
      EXPECT_EQ(u.minutiae[i].quality, t.minutiae[i].quality);
    }
    EXPECT_EQ(Export(u), once);
    EXPECT_GT(CompareFingers(t, u).score, 0.95);
  }
}

TEST(Iso19794Test, SeveralViews) {
  std::vector<FingerTemplate> views = {Small(), Small()};
  views[1].finger_position = 7;
  views[1].minutiae.pop_back();
  auto b = ExportIso19794_2(views);
  ASSERT_TRUE(b.ok());
  auto back = ImportIso19794_2(*b);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[1].finger_position, 7);
  EXPECT_EQ((*back)[1].minutiae.size(), 1u);
}

TEST(Iso19794Test, ExportRejectsWhatTheFormatCannotHold) {
  FingerTemplate t = Small();
  t.minutiae[0].x = 400;  // outside the 388-px image
  EXPECT_EQ(ExportIso19794_2(std::span<const FingerTemplate>(&t, 1)).status().code(), Code::kInvalidArgument);
  t = Small();
  t.minutiae.resize(256, t.minutiae[0]);
  EXPECT_EQ(ExportIso19794_2(std::span<const FingerTemplate>(&t, 1)).status().code(), Code::kInvalidArgument);
  t = Small();
  t.finger_position = 11;
  EXPECT_EQ(ExportIso19794_2(std::span<const FingerTemplate>(&t, 1)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ExportIso19794_2({}).status().code(), Code::kInvalidArgument);
}

TEST(Iso19794Test, ImportRejectsMalformed) {
  const auto good = Export(Small());
  auto expect_bad = [](std::vector<uint8_t> b, const std::string& what) {
    auto r = ImportIso19794_2(b);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << what;
    EXPECT_NE(r.status().message().find("ISO 19794-2"), std::string::npos);
  };
  expect_bad({}, "empty");
  expect_bad(std::vector<uint8_t>(good.begin(), good.begin() + 30), "truncated");
  auto b = good;
  b[0] = 'X';
  expect_bad(b, "magic");
  b = good;
  b[5] = '3';
  expect_bad(b, "version");
  b = good;
  b.push_back(0);
  expect_bad(b, "trailing byte");
  b = good;
  b[28] |= 0xC0;
  expect_bad(b, "reserved type");
  b = good;
  b[29] = 0xFF;
  b[28] = (b[28] & 0xC0) | 0x3F;
  expect_bad(b, "x outside the image");
  b = good;
  b[27] = 3;  // claims 3 minutiae, holds 2
  expect_bad(b, "count");
  b = good;
  b[22] = 0;
  expect_bad(b, "no views");
  b = good;
  b[33] = 101;
  expect_bad(b, "quality");
}

TEST(SealedFingerTemplateTest, RoundTripAndCorruption) {
  const FingerTemplate t = SyntheticTemplate(9);
  auto s = SerializeFingerTemplate(t);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::string(s->begin(), s->begin() + 4), "CNDF");
  auto back = ParseFingerTemplate(*s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->minutiae.size(), t.minutiae.size());
  EXPECT_EQ(*SerializeFingerTemplate(*back), *s);

  auto flipped = *s;
  flipped[40] ^= 1;
  EXPECT_EQ(ParseFingerTemplate(flipped).status().code(), Code::kDataLoss);
  auto cut = *s;
  cut.resize(cut.size() - 5);
  EXPECT_EQ(ParseFingerTemplate(cut).status().code(), Code::kInvalidArgument);
  auto version = *s;
  version[4] = 9;
  EXPECT_EQ(ParseFingerTemplate(version).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseFingerTemplate({}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace candor::finger
