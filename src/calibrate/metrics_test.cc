// Copyright 2026 The Candor Authors.
//
// Honesty checks: verification metrics on synthetic score sets whose answers
// are known in closed form.

#include "candor/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace candor::metrics {
namespace {

double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

std::vector<double> Gaussian(std::size_t n, double mean, double sd, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

TEST(RocTest, RejectsEmptyInputs) {
  std::vector<double> some = {0.5};
  EXPECT_EQ(ComputeRoc({}, some).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ComputeRoc(some, {}).status().code(), Code::kInvalidArgument);
}

TEST(RocTest, PerfectSeparatorHasAucOneAndEerZero) {
  std::vector<double> genuine = {0.9, 0.8, 0.7}, impostor = {0.1, 0.2, 0.3, 0.4};
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  EXPECT_DOUBLE_EQ(Auc(*roc), 1.0);
  EXPECT_DOUBLE_EQ(Eer(*roc), 0.0);
  EXPECT_DOUBLE_EQ(TarAtFar(*roc, 0.0), 1.0);
  auto t = ThresholdForFmr(*roc, 0.0);
  ASSERT_TRUE(t.ok());
  EXPECT_DOUBLE_EQ(t->threshold, 0.7);  // lowest threshold with no false match
  EXPECT_DOUBLE_EQ(t->tmr, 1.0);
}

TEST(RocTest, InvertedScorerHasAucZeroAndEerOne) {
  std::vector<double> genuine = {0.1, 0.2}, impostor = {0.8, 0.9};
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  EXPECT_DOUBLE_EQ(Auc(*roc), 0.0);
  EXPECT_DOUBLE_EQ(Eer(*roc), 1.0);
}

TEST(RocTest, TiesAreNeverSplit) {
  // All scores equal: the only operating points are (0,0) and (1,1).
  std::vector<double> genuine(5, 0.5), impostor(7, 0.5);
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  ASSERT_EQ(roc->points.size(), 2u);
  EXPECT_DOUBLE_EQ(roc->points[1].fmr, 1.0);
  EXPECT_DOUBLE_EQ(roc->points[1].tmr, 1.0);
  EXPECT_DOUBLE_EQ(Auc(*roc), 0.5);  // ties count one half (Mann-Whitney)
  EXPECT_DOUBLE_EQ(Eer(*roc), 0.5);
  EXPECT_DOUBLE_EQ(TarAtFar(*roc, 0.5), 0.0);  // cannot accept some of a tie
}

TEST(RocTest, PartialTiesMatchMannWhitney) {
  std::vector<double> genuine = {0.3, 0.5, 0.5, 0.9}, impostor = {0.1, 0.5, 0.6};
  double wins = 0;
  for (double g : genuine)
    for (double m : impostor) wins += g > m ? 1.0 : (g == m ? 0.5 : 0.0);
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  EXPECT_NEAR(Auc(*roc), wins / 12.0, 1e-12);
  // At threshold 0.5: impostors >= 0.5 are 0.5 and 0.6 -> 2/3.
  for (const RocPoint& p : roc->points) {
    if (p.threshold == 0.5) {
      EXPECT_NEAR(p.fmr, 2.0 / 3, 1e-12);
      EXPECT_NEAR(p.tmr, 3.0 / 4, 1e-12);
    }
  }
}

TEST(RocTest, RandomScorerHasAucNearHalf) {
  auto genuine = Gaussian(20000, 0, 1, 1), impostor = Gaussian(20000, 0, 1, 2);
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  EXPECT_NEAR(Auc(*roc), 0.5, 0.01);
  EXPECT_NEAR(Eer(*roc), 0.5, 0.015);
}

TEST(RocTest, TwoGaussiansMatchTheAnalyticValues) {
  // Genuine ~ N(2, 1), impostor ~ N(0, 1): AUC = Phi(2 / sqrt 2), EER = Phi(-1),
  // TAR at FAR f = 1 - Phi(Phi^-1(1 - f) - 2).
  auto genuine = Gaussian(200000, 2, 1, 3), impostor = Gaussian(200000, 0, 1, 4);
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  EXPECT_NEAR(Auc(*roc), Phi(2 / std::sqrt(2.0)), 0.003);
  EXPECT_NEAR(Eer(*roc), Phi(-1), 0.003);
  const double z_1e2 = 2.3263478740408408;  // Phi^-1(0.99)
  EXPECT_NEAR(TarAtFar(*roc, 1e-2), 1 - Phi(z_1e2 - 2), 0.005);
  auto t = ThresholdForFmr(*roc, 1e-2);
  ASSERT_TRUE(t.ok());
  EXPECT_NEAR(t->threshold, z_1e2, 0.03);
  EXPECT_LE(t->fmr, 1e-2);
}

TEST(RocTest, NanScoresAreNeverAccepted) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> genuine = {0.9, nan}, impostor = {0.1};
  auto roc = ComputeRoc(genuine, impostor);
  ASSERT_TRUE(roc.ok());
  EXPECT_DOUBLE_EQ(roc->points.back().tmr, 0.5);
  EXPECT_DOUBLE_EQ(TarAtFar(*roc, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(Auc(*roc), 0.5);  // the failed genuine ranks below every impostor
  EXPECT_DOUBLE_EQ(FractionAtOrAbove(genuine, 0.0), 0.5);
}

TEST(ThresholdForFmrTest, RejectsOutOfRangeTargets) {
  std::vector<double> g = {1}, m = {0};
  auto roc = ComputeRoc(g, m);
  ASSERT_TRUE(roc.ok());
  EXPECT_FALSE(ThresholdForFmr(*roc, -0.1).ok());
  EXPECT_FALSE(ThresholdForFmr(*roc, 1.5).ok());
  EXPECT_FALSE(ThresholdForFmr(*roc, std::nan("")).ok());
}

TEST(KFoldTest, NeedsTwoFoldsAndBothClasses) {
  std::vector<ScoredPair> one_fold = {{0.9, true, 0}, {0.1, false, 0}};
  EXPECT_EQ(KFoldAccuracy(one_fold).status().code(), Code::kInvalidArgument);
  std::vector<ScoredPair> no_impostor = {{0.9, true, 0}, {0.8, true, 1}};
  EXPECT_FALSE(KFoldAccuracy(no_impostor).ok());
}

TEST(KFoldTest, SeparableDataGivesFullAccuracyWithThresholdInTheGap) {
  std::vector<ScoredPair> pairs;
  for (int f = 0; f < 10; ++f) {
    for (int i = 0; i < 30; ++i) {
      pairs.push_back({0.6 + 0.01 * i, true, f});
      pairs.push_back({-0.2 + 0.01 * i, false, f});
    }
  }
  auto r = KFoldAccuracy(pairs);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->folds.size(), 10u);
  EXPECT_DOUBLE_EQ(r->mean_accuracy, 1.0);
  EXPECT_NEAR(r->std_accuracy, 0.0, 1e-12);
  for (const FoldResult& f : r->folds) {
    EXPECT_GT(f.threshold, 0.09);
    EXPECT_LT(f.threshold, 0.6);
  }
}

TEST(KFoldTest, ThresholdComesFromOtherFoldsOnly) {
  // Fold 1's own data would call for a threshold near 10; trained on fold 0 only
  // (threshold near 0.5) it scores 50 %. Leakage would give 100 %.
  std::vector<ScoredPair> pairs = {{1.0, true, 0},  {0.0, false, 0}, {11.0, true, 1},
                                   {9.0, false, 1}};
  auto r = KFoldAccuracy(pairs);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->folds.size(), 2u);
  EXPECT_DOUBLE_EQ(r->folds[1].accuracy, 0.5);
  EXPECT_NEAR(r->folds[1].threshold, 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(r->folds[0].accuracy, 0.5);  // threshold 10 rejects everything in fold 0
}

TEST(KFoldTest, TwoGaussiansMatchBayesAccuracy) {
  // Equal priors, N(2,1) vs N(0,1): best accuracy = Phi(1) at threshold 1.
  auto genuine = Gaussian(30000, 2, 1, 5), impostor = Gaussian(30000, 0, 1, 6);
  std::vector<ScoredPair> pairs;
  for (std::size_t i = 0; i < genuine.size(); ++i) {
    pairs.push_back({genuine[i], true, static_cast<int>(i % 10)});
    pairs.push_back({impostor[i], false, static_cast<int>(i % 10)});
  }
  auto r = KFoldAccuracy(pairs);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->mean_accuracy, Phi(1), 0.006);
  EXPECT_NEAR(r->mean_threshold, 1.0, 0.08);
  EXPECT_GT(r->std_accuracy, 0.0);
  EXPECT_NEAR(r->standard_error, r->std_accuracy / std::sqrt(10.0), 1e-12);
}

TEST(KFoldTest, FailedComparisonsCountAsRejections) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<ScoredPair> pairs = {{0.9, true, 0}, {0.1, false, 0}, {nan, true, 1},
                                   {0.1, false, 1}};
  auto r = KFoldAccuracy(pairs);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->failed_pairs, 1u);
  EXPECT_DOUBLE_EQ(r->folds[1].accuracy, 0.5);
}

}  // namespace
}  // namespace candor::metrics
