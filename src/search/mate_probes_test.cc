// Copyright 2026 The Candor Authors.
//
// The recall tuner's held-back probes (mate_probes.h): the cosine to the mate
// is exactly the one drawn, the drawn cosines follow the genuine-pair table
// (its low tail included), and gallery-shaped noise lies in the directions the
// gallery varies in, unlike isotropic noise.

#include "search/mate_probes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "search/synthetic_data.h"

namespace candor::search {
namespace {

TEST(MateProbesTest, ProbeIsUnitAndHasExactlyTheDrawnCosine) {
  constexpr int kDim = 64;
  std::mt19937_64 rng(3);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (float c : {0.3f, 0.55f, 0.76f, 0.95f}) {
    std::vector<float> mate(kDim), dir(kDim), out(kDim);
    for (auto& x : mate) x = g(rng);
    NormaliseRows(mate, kDim);
    for (auto& x : dir) x = g(rng);
    const float got = MakeMateProbe(mate.data(), dir.data(), c, kDim, out.data());
    double norm = 0, dot = 0;
    for (int e = 0; e < kDim; ++e) {
      norm += out[e] * out[e];
      dot += out[e] * mate[e];
    }
    EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
    EXPECT_NEAR(dot, c, 1e-5);
    EXPECT_NEAR(got, c, 1e-5);
  }
  // A direction parallel to the mate still gives a probe at that cosine.
  std::vector<float> mate(kDim, 0.0f), out(kDim);
  mate[5] = 1.0f;
  EXPECT_NEAR(MakeMateProbe(mate.data(), mate.data(), 0.6f, kDim, out.data()), 0.6f, 1e-5);
}

TEST(MateProbesTest, DrawnCosinesFollowTheGenuineTableWithItsLowTail) {
  const auto q = DefaultMateCosines();
  ASSERT_EQ(q.size(), 64u);
  EXPECT_TRUE(std::is_sorted(q.begin(), q.end()));
  EXPECT_FLOAT_EQ(MateCosineAt(q, 0.0), q.front());
  EXPECT_FLOAT_EQ(MateCosineAt(q, 1.0), q.back());
  EXPECT_FLOAT_EQ(MateCosineAt(q, 0.5 / 64), q[0]);
  EXPECT_FLOAT_EQ(MateCosineAt(q, 10.5 / 64), q[10]);
  EXPECT_NEAR(MateCosineAt(q, 11.0 / 64), (q[10] + q[11]) / 2, 1e-6);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> draws(20000);
  for (auto& d : draws) d = MateCosineAt(q, u(rng));
  std::sort(draws.begin(), draws.end());
  double mean = 0;
  for (float d : draws) mean += d / draws.size();
  EXPECT_NEAR(mean, 0.76, 0.01);  // LFW genuine pairs of the default model, identity-weighted
  // The hard probes are there: about 1 in 20 below 0.58 (a fixed 0.65 had none).
  const double below = static_cast<double>(std::lower_bound(draws.begin(), draws.end(), 0.58f) - draws.begin()) /
                       draws.size();
  EXPECT_GT(below, 0.03);
  EXPECT_LT(below, 0.08);
}

// Data living in an 8-dimensional subspace of 64: a difference of gallery
// rows stays in it, isotropic noise mostly leaves it. Gallery-shaped probes
// therefore move along the directions that separate partitions.
TEST(MateProbesTest, GalleryShapedNoiseStaysInTheGallerysSubspace) {
  constexpr int kDim = 64, kSub = 8, kRows = 200;
  std::mt19937_64 rng(11);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> rows(static_cast<size_t>(kRows) * kDim, 0.0f);
  for (int i = 0; i < kRows; ++i) {
    for (int e = 0; e < kSub; ++e) rows[static_cast<size_t>(i) * kDim + e] = g(rng);
  }
  NormaliseRows(rows, kDim);
  auto outside = [&](const std::vector<float>& probe, const float* mate) {
    double out = 0, all = 0;
    for (int e = 0; e < kDim; ++e) {
      const double d = probe[e] - 0.7 * mate[e];
      all += d * d;
      if (e >= kSub) out += d * d;
    }
    return out / all;  // share of the probe's departure outside the subspace
  };
  std::vector<float> probe(kDim), dir(kDim);
  double shaped = 0, iso = 0;
  for (int j = 0; j < 50; ++j) {
    const float* mate = rows.data() + static_cast<size_t>(j) * kDim;
    for (int e = 0; e < kDim; ++e) dir[e] = rows[static_cast<size_t>(j + 50) * kDim + e] - rows[static_cast<size_t>(j + 100) * kDim + e];
    MakeMateProbe(mate, dir.data(), 0.7f, kDim, probe.data());
    shaped += outside(probe, mate) / 50;
    for (auto& x : dir) x = g(rng);
    MakeMateProbe(mate, dir.data(), 0.7f, kDim, probe.data());
    iso += outside(probe, mate) / 50;
  }
  EXPECT_LT(shaped, 1e-6);
  EXPECT_GT(iso, 0.8);  // 56 of 64 dimensions lie outside
}

}  // namespace
}  // namespace candor::search
