// Copyright 2026 The Candor Authors.
//
// Score-level fusion of several matchers (e.g. MobileFaceNet and the face-api
// ResNet) for fold-based protocols such as LFW View 2, without leaking labels
// across folds.
//
//   - ZScoreFusion: label-free; each matcher's scores are standardised by the
//     mean and std of all its scores, then summed. Uses no labels at all.
//   - FitLogistic / CrossValidatedLogisticFusion: a logistic regression on the
//     standardised scores. In the cross-validated form the model that scores
//     fold k (and the accuracy threshold applied to fold k) is fit ONLY on the
//     other folds, so the protocol stays exact.
//
// Inputs: `scores[m][i]` = matcher m's score of pair i; NaN marks a failed
// comparison (a NaN feature makes the fused score NaN, which the protocol
// counts as a reject). Errors: INVALID_ARGUMENT for empty / ragged inputs,
// fewer than two folds, or a training set without both classes.
// Thread safety: pure functions.

#ifndef CANDOR_CALIBRATE_SCORE_FUSION_H_
#define CANDOR_CALIBRATE_SCORE_FUSION_H_

#include <span>
#include <vector>

#include "candor/metrics.h"
#include "candor/status.h"

namespace candor::fusion {

// Standardise each matcher over all its non-NaN scores and sum.
StatusOr<std::vector<double>> ZScoreFusion(const std::vector<std::vector<double>>& scores);

struct LogisticModel {
  std::vector<double> mean, sd;  // per matcher, from the training pairs
  std::vector<double> weight;    // per matcher, on standardised scores
  double bias = 0;
  // Fused score: bias + sum_m weight[m] * (x[m] - mean[m]) / sd[m] (the log-odds).
  double Apply(std::span<const double> x) const;
};

// Fits the logistic model on the pairs whose `use[i]` is true (NaN scores are
// skipped), by Newton's method with a small L2 penalty `l2` on the weights.
StatusOr<LogisticModel> FitLogistic(const std::vector<std::vector<double>>& scores,
                                    const std::vector<bool>& genuine, const std::vector<bool>& use,
                                    double l2 = 1e-3);

struct CrossValidatedFusion {
  std::vector<double> scores;              // each pair scored by the model not trained on its fold
  metrics::KFoldResult kfold;              // the protocol's accuracy with per-fold refits
  std::vector<LogisticModel> fold_models;  // model k was fit on all folds but k
};

// For each fold k: fit on the other folds, choose the accuracy threshold on
// the other folds' fused scores, measure accuracy on fold k.
StatusOr<CrossValidatedFusion> CrossValidatedLogisticFusion(
    const std::vector<std::vector<double>>& scores, const std::vector<bool>& genuine,
    const std::vector<int>& fold, double l2 = 1e-3);

}  // namespace candor::fusion

#endif  // CANDOR_CALIBRATE_SCORE_FUSION_H_
