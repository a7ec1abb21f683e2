// Copyright 2026 The Candor Authors.
//
// Open-set identification metrics on hand-built search outcomes and on i.i.d.
// synthetic impostors where FPIR(t, N) has a closed form.

#include "candor/open_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace candor::metrics {
namespace {

TEST(OpenSetTest, RejectsEmptyInputs) {
  std::vector<MatedSearch> mated = {{1, 0.9}};
  std::vector<double> nonmated = {0.1};
  EXPECT_FALSE(DetCurve({}, nonmated).ok());
  EXPECT_FALSE(DetCurve(mated, {}).ok());
  EXPECT_FALSE(DetCurve(mated, nonmated, 0).ok());
  EXPECT_FALSE(Cmc({}, std::vector<int>{1}).ok());
  EXPECT_FALSE(Cmc(mated, std::vector<int>{0}).ok());
}

TEST(OpenSetTest, DetAndFnirAtFpirOnAHandBuiltCase) {
  // 4 mated searches: mate at rank 1 (0.9), rank 1 (0.5), rank 2 (0.8), not returned.
  std::vector<MatedSearch> mated = {{1, 0.9}, {1, 0.5}, {2, 0.8}, {0, 0}};
  // 5 non-mated searches with top scores:
  std::vector<double> nonmated = {0.7, 0.4, 0.3, 0.2, 0.1};
  auto det = DetCurve(mated, nonmated, 1);
  ASSERT_TRUE(det.ok());
  // FPIR 0: threshold above 0.7 -> only the 0.9 mate is a hit: FNIR 3/4.
  auto p = FnirAtFpir(*det, 0.0);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->fnir, 0.75);
  EXPECT_GT(p->threshold, 0.7);
  // FPIR 0.2 allows any threshold above 0.4 (only the 0.7 non-mate passes):
  // at t = 0.5 the 0.5 mate is a hit too.
  EXPECT_DOUBLE_EQ(FnirAtFpir(*det, 0.19)->fnir, 0.75);
  EXPECT_DOUBLE_EQ(FnirAtFpir(*det, 0.2)->fnir, 0.5);
  EXPECT_DOUBLE_EQ(FnirAtFpir(*det, 0.2)->threshold, 0.5);
  // The rank-2 mate and the unreturned mate are never hits at rank 1.
  EXPECT_DOUBLE_EQ(det->back().fnir, 0.5);
  // At rank 2 the 0.8 mate counts.
  auto det2 = DetCurve(mated, nonmated, 2);
  ASSERT_TRUE(det2.ok());
  EXPECT_DOUBLE_EQ(FnirAtFpir(*det2, 0.0)->fnir, 0.5);
  EXPECT_DOUBLE_EQ(det2->back().fnir, 0.25);
}

TEST(OpenSetTest, TiedScoresMoveTogether) {
  std::vector<MatedSearch> mated = {{1, 0.5}, {1, 0.5}};
  std::vector<double> nonmated = {0.5, 0.1};
  auto det = DetCurve(mated, nonmated);
  ASSERT_TRUE(det.ok());
  // Accepting the tied mates accepts the tied non-mate too.
  EXPECT_DOUBLE_EQ(FnirAtFpir(*det, 0.49)->fnir, 1.0);
  EXPECT_DOUBLE_EQ(FnirAtFpir(*det, 0.5)->fnir, 0.0);
}

TEST(OpenSetTest, CmcCountsRanks) {
  std::vector<MatedSearch> mated = {{1, 0.9}, {3, 0.5}, {20, 0.2}, {0, 0}};
  std::vector<int> ranks = {1, 5, 20, 50};
  auto cmc = Cmc(mated, ranks);
  ASSERT_TRUE(cmc.ok());
  EXPECT_DOUBLE_EQ((*cmc)[0], 0.25);
  EXPECT_DOUBLE_EQ((*cmc)[1], 0.5);
  EXPECT_DOUBLE_EQ((*cmc)[2], 0.75);
  EXPECT_DOUBLE_EQ((*cmc)[3], 0.75);  // a mate never returned is never a hit
}

TEST(OpenSetTest, FpirForGallerySizeMatchesTheIidClosedForm) {
  std::mt19937_64 rng(11);
  std::normal_distribution<float> d(0, 1);
  std::vector<std::vector<float>> rows(3000, std::vector<float>(1000));
  for (auto& row : rows)
    for (float& s : row) s = d(rng);
  const double t = 2.5;
  const double fmr = 0.5 * std::erfc(t / std::sqrt(2.0));
  for (uint64_t n : {1ull, 10ull, 100ull, 1000ull}) {
    auto f = FpirForGallerySize(rows, t, n);
    ASSERT_TRUE(f.ok());
    const double expect = IidFpir(fmr, n);
    EXPECT_NEAR(*f, expect, 0.05 * expect + 0.002) << n;
  }
  EXPECT_FALSE(FpirForGallerySize(rows, t, 1001).ok());
  EXPECT_FALSE(FpirForGallerySize(rows, t, 0).ok());
  EXPECT_NEAR(IidFpir(1e-6, 1000000), 1 - std::exp(-1.0), 1e-6);
}

TEST(OpenSetTest, PerfectSeparatorHasNoMissesAtZeroFpir) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> hi(0.6, 1.0), lo(0.0, 0.4);
  std::vector<MatedSearch> mated;
  std::vector<double> nonmated;
  double lowest_mate = 1;
  for (int i = 0; i < 500; ++i) {
    mated.push_back({1, hi(rng)}), nonmated.push_back(lo(rng));
    lowest_mate = std::min(lowest_mate, mated.back().mate_score);
  }
  auto det = DetCurve(mated, nonmated);
  ASSERT_TRUE(det.ok());
  auto p = FnirAtFpir(*det, 0.0);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->fnir, 0.0);
  EXPECT_DOUBLE_EQ(p->fpir, 0.0);
  EXPECT_GT(p->threshold, 0.4);
  EXPECT_LE(p->threshold, lowest_mate);  // every mate accepted
  EXPECT_DOUBLE_EQ((*Cmc(mated, std::vector<int>{1}))[0], 1.0);
}

// A random scorer: every search has a gallery of 10, all scores i.i.d. uniform
// on [0, 1], mate included. Then CMC(r) = r / 10, FPIR(T) = 1 - T^10 and the
// mate is a rank-1 hit above T with probability (1 - T^10) / 10, so
// FNIR = 1 - FPIR / 10 along the whole DET.
TEST(OpenSetTest, RandomScorerFollowsItsClosedForm) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  constexpr int kGallery = 10, kSearches = 40000;
  std::vector<MatedSearch> mated;
  std::vector<double> nonmated;
  for (int i = 0; i < kSearches; ++i) {
    const double mate = u(rng);
    int rank = 1;
    for (int k = 1; k < kGallery; ++k) rank += u(rng) >= mate ? 1 : 0;
    mated.push_back({rank, mate});
    double top = 0;
    for (int k = 0; k < kGallery; ++k) top = std::max(top, u(rng));
    nonmated.push_back(top);
  }
  auto cmc = Cmc(mated, std::vector<int>{1, 5, 10});
  ASSERT_TRUE(cmc.ok());
  EXPECT_NEAR((*cmc)[0], 0.1, 0.006);
  EXPECT_NEAR((*cmc)[1], 0.5, 0.01);
  EXPECT_DOUBLE_EQ((*cmc)[2], 1.0);
  auto det = DetCurve(mated, nonmated);
  ASSERT_TRUE(det.ok());
  for (double fpir : {0.1, 0.5, 0.9}) {
    auto p = FnirAtFpir(*det, fpir);
    ASSERT_TRUE(p.ok());
    EXPECT_NEAR(p->fnir, 1 - fpir / 10, 0.006) << fpir;
    EXPECT_NEAR(p->threshold, std::pow(1 - fpir, 1.0 / kGallery), 0.01) << fpir;
  }
}

// Two unit Gaussians 2 sigma apart with a one-entry gallery: open-set reduces
// to 1:1, so FNIR at FPIR p is Phi(Phi^-1(1 - p) - 2).
TEST(OpenSetTest, TwoGaussiansMatchTheAnalyticFnir) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> mate(2, 1), non(0, 1);
  std::vector<MatedSearch> mated;
  std::vector<double> nonmated;
  for (int i = 0; i < 100000; ++i) mated.push_back({1, mate(rng)}), nonmated.push_back(non(rng));
  auto det = DetCurve(mated, nonmated);
  ASSERT_TRUE(det.ok());
  auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  const std::pair<double, double> cases[] = {{0.1, 1.2815516}, {0.01, 2.3263479}};
  for (auto [fpir, z] : cases) {
    auto p = FnirAtFpir(*det, fpir);
    ASSERT_TRUE(p.ok());
    EXPECT_NEAR(p->fnir, phi(z - 2), 0.01) << fpir;
    EXPECT_NEAR(p->threshold, z, 0.05) << fpir;
  }
}

}  // namespace
}  // namespace candor::metrics
