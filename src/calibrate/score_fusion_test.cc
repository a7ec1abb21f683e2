// Copyright 2026 The Candor Authors.

#include "calibrate/score_fusion.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace candor::fusion {
namespace {

// Two matchers whose errors are independent: fusing them must beat either.
struct Data {
  std::vector<std::vector<double>> scores{{}, {}};
  std::vector<bool> genuine;
  std::vector<int> fold;
};

Data MakeData(int folds, int per_fold, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  Data d;
  for (int f = 0; f < folds; ++f) {
    for (int i = 0; i < per_fold; ++i) {
      const bool g = i % 2 == 0;
      const double mu = g ? 1.2 : -1.2;
      d.scores[0].push_back(0.5 + 0.1 * (mu + noise(rng)));  // cosine-like scale
      d.scores[1].push_back(3.0 + 2.0 * (mu + noise(rng)));  // another scale
      d.genuine.push_back(g);
      d.fold.push_back(f);
    }
  }
  return d;
}

double Accuracy(const std::vector<double>& s, const Data& d) {
  std::vector<metrics::ScoredPair> p;
  for (size_t i = 0; i < s.size(); ++i) p.push_back({s[i], d.genuine[i], d.fold[i]});
  return metrics::KFoldAccuracy(p)->mean_accuracy;
}

TEST(ScoreFusionTest, LogisticFusionBeatsEachMatcherAndWeightsScaleFree) {
  const Data d = MakeData(10, 400, 7);
  auto cv = CrossValidatedLogisticFusion(d.scores, d.genuine, d.fold);
  ASSERT_TRUE(cv.ok()) << cv.status().ToString();
  const double a0 = Accuracy(d.scores[0], d), a1 = Accuracy(d.scores[1], d);
  // Each matcher alone: Phi(1.2) ~ 88.5 %; fused: Phi(1.2 * sqrt 2) ~ 95.4 %.
  EXPECT_NEAR(a0, 0.885, 0.02);
  EXPECT_NEAR(a1, 0.885, 0.02);
  EXPECT_GT(cv->kfold.mean_accuracy, std::max(a0, a1) + 0.04);
  ASSERT_EQ(cv->fold_models.size(), 10u);
  // Equal information per matcher: equal weights on standardised scores.
  const auto& m = cv->fold_models[0];
  EXPECT_NEAR(m.weight[0] / m.weight[1], 1.0, 0.15);
  EXPECT_GT(m.weight[0], 0);
}

TEST(ScoreFusionTest, FoldModelNeverSeesItsOwnFold) {
  Data d = MakeData(4, 200, 11);
  auto base = CrossValidatedLogisticFusion(d.scores, d.genuine, d.fold);
  ASSERT_TRUE(base.ok());
  // Corrupt the labels of fold 2 only: the model that scores fold 2 is fit on
  // folds 0, 1, 3 and must not change, so fold 2's fused scores do not change.
  Data bad = d;
  for (size_t i = 0; i < bad.genuine.size(); ++i)
    if (bad.fold[i] == 2) bad.genuine[i] = !bad.genuine[i];
  auto moved = CrossValidatedLogisticFusion(bad.scores, bad.genuine, bad.fold);
  ASSERT_TRUE(moved.ok());
  for (size_t i = 0; i < d.genuine.size(); ++i) {
    if (d.fold[i] == 2) {
      EXPECT_DOUBLE_EQ(base->scores[i], moved->scores[i]);
    }
  }
  // ... while the other folds' models did see the flipped labels.
  EXPECT_NE(base->fold_models[0].weight[0], moved->fold_models[0].weight[0]);
  // And fold 2 is now scored as almost all wrong.
  EXPECT_LT(moved->kfold.folds[2].accuracy, 0.2);
}

TEST(ScoreFusionTest, ZScoreFusionIsScaleInvariantAndNanPropagates) {
  Data d = MakeData(2, 50, 3);
  d.scores[1][5] = std::nan("");
  auto z = ZScoreFusion(d.scores);
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(std::isnan((*z)[5]));
  std::vector<std::vector<double>> scaled = d.scores;
  for (double& v : scaled[0]) v = 10 * v - 4;
  auto z2 = ZScoreFusion(scaled);
  ASSERT_TRUE(z2.ok());
  EXPECT_NEAR((*z)[0], (*z2)[0], 1e-9);
  EXPECT_NEAR((*z)[17], (*z2)[17], 1e-9);
}

TEST(ScoreFusionTest, BadInputsAreErrors) {
  EXPECT_FALSE(ZScoreFusion({}).ok());
  EXPECT_FALSE(ZScoreFusion({{1, 2}, {1}}).ok());
  Data d = MakeData(1, 20, 1);
  EXPECT_FALSE(CrossValidatedLogisticFusion(d.scores, d.genuine, d.fold).ok());  // one fold
  std::vector<bool> all_genuine(d.genuine.size(), true);
  EXPECT_FALSE(FitLogistic(d.scores, all_genuine, std::vector<bool>(d.genuine.size(), true)).ok());
}

}  // namespace
}  // namespace candor::fusion
