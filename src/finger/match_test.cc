// Copyright 2026 The Candor Authors.
//
// MCC matching: invariances on synthetic templates, genuine above impostor on
// synthetic mates and on real FVC2002 prints (skipped without CANDOR_DATA).

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "candor/finger.h"
#include "common/test_env.h"
#include "finger/synthetic.h"

namespace candor::finger {
namespace {

FingerTemplate Rigid(const FingerTemplate& t, double rot, double tx, double ty) {
  FingerTemplate o = t;
  const double c = std::cos(rot), s = std::sin(rot);
  for (Minutia& m : o.minutiae) {
    const double x = c * m.x - s * m.y + tx, y = s * m.x + c * m.y + ty;
    m.x = static_cast<float>(x);
    m.y = static_cast<float>(y);
    m.direction = static_cast<float>(std::fmod(m.direction + rot + 4 * CV_PI, 2 * CV_PI));
  }
  return o;
}

TEST(MccTest, SelfMatchScoresOne) {
  const FingerTemplate t = SyntheticTemplate(1);
  const MatchResult r = CompareFingers(t, t);
  EXPECT_GT(r.score, 0.99);  // relaxation's compatibility is 0.9997 for exact geometry
  ASSERT_FALSE(r.pairs.empty());
  for (const MinutiaPair& p : r.pairs) EXPECT_EQ(p.a, p.b);
}

TEST(MccTest, RotationAndTranslationInvariant) {
  const FingerTemplate t = SyntheticTemplate(2);
  const FingerTemplate moved = Rigid(t, 1.3, 500, -80);
  EXPECT_GT(CompareFingers(t, moved).score, 0.97);
  MccParams bits;
  bits.bits = true;
  EXPECT_GT(CompareFingers(t, moved, bits).score, 0.95);
}

TEST(MccTest, MatesScoreAboveNonMates) {
  int wins = 0;
  const int n = 30;
  for (int i = 0; i < n; ++i) {
    const FingerTemplate a = SyntheticTemplate(100 + i);
    const FingerTemplate mate = SyntheticMate(a, 7 + i);
    const FingerTemplate other = SyntheticTemplate(1000 + i);
    const double g = CompareFingers(a, mate).score, im = CompareFingers(a, other).score;
    EXPECT_GE(g, 0.0);
    EXPECT_LE(g, 1.0);
    wins += g > im;
  }
  EXPECT_EQ(wins, n);
}

TEST(MccTest, EmptyOrTinyTemplatesScoreZero) {
  FingerTemplate empty;
  empty.width = 300;
  empty.height = 300;
  const FingerTemplate t = SyntheticTemplate(3);
  EXPECT_EQ(CompareFingers(empty, t).score, 0.0);
  FingerTemplate one = t;
  one.minutiae.resize(1);
  EXPECT_EQ(CompareFingers(one, t).score, 0.0);  // a lone minutia makes no valid cylinder
}

TEST(MccTest, DifferentParamsDoNotCompare) {
  const FingerTemplate t = SyntheticTemplate(4);
  MccParams bits;
  bits.bits = true;
  EXPECT_EQ(CompareMcc(BuildMcc(t), BuildMcc(t, bits)).score, 0.0);
}

TEST(MccTest, ResolutionIsHonoured) {
  const FingerTemplate t = SyntheticTemplate(5);
  FingerTemplate at1000 = t;
  at1000.resolution_dpi = 1000;
  for (Minutia& m : at1000.minutiae) {
    m.x *= 2;
    m.y *= 2;
  }
  EXPECT_NEAR(CompareFingers(t, at1000).score, CompareFingers(t, t).score, 1e-3);
}

TEST(MccTest, RealGenuineAboveImpostor) {
  CANDOR_REQUIRE_DATA(data);
  const auto dir = data / "fingerprints" / "fvc2002-db1-b";
  auto load = [&](const std::string& name) {
    auto img = ReadImage(dir / name);
    EXPECT_TRUE(img.ok()) << name;
    auto r = ExtractFingerImage(*img);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    return r->tmpl;
  };
  const FingerTemplate a1 = load("103_1.tif"), a2 = load("103_2.tif"), b1 = load("104_1.tif"),
                       c1 = load("105_1.tif");
  const double genuine = CompareFingers(a1, a2).score;
  EXPECT_GT(genuine, CompareFingers(a1, b1).score);
  EXPECT_GT(genuine, CompareFingers(a1, c1).score);
  EXPECT_GT(genuine, 0.2);
  EXPECT_LT(CompareFingers(a1, b1).score, 0.15);
  // The same print rotated by 30 degrees still matches itself best.
  auto img = ReadImage(dir / "103_2.tif");
  ASSERT_TRUE(img.ok());
  cv::Mat rotated;
  cv::warpAffine(*img, rotated, cv::getRotationMatrix2D({194, 187}, 30, 1), img->size(), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, cv::Scalar::all(255));
  auto r = ExtractFingerImage(rotated);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(CompareFingers(a2, r->tmpl).score, 0.3);
  EXPECT_GT(CompareFingers(a1, r->tmpl).score, CompareFingers(b1, r->tmpl).score);
}

}  // namespace
}  // namespace candor::finger
