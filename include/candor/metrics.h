// Copyright 2026 The Candor Authors.
//
// Verification (1:1) metrics on plain score vectors: ROC, AUC, EER, TAR at a
// given FAR, the threshold for a target FMR, and the LFW View-2 10-fold protocol.
//
// Conventions (used by every function here):
//   - Scores are similarities: higher means "more likely the same person".
//     Callers with distances negate them first.
//   - A comparison is accepted when score >= threshold. FMR(t) is the fraction of
//     impostor scores >= t, TMR(t) the fraction of genuine scores >= t,
//     FNMR = 1 - TMR. Ties are therefore never split: all comparisons with the
//     same score are accepted or rejected together.
//   - NaN scores (a failed comparison, e.g. no face found) are treated as
//     -infinity: they are never accepted. They count in the denominators, so a
//     pipeline failure counts against TMR and never flatters the result.
//
// Errors: empty inputs, wrong lengths or bad arguments yield INVALID_ARGUMENT.
// Thread safety: all functions are pure; results are values.

#ifndef CANDOR_METRICS_H_
#define CANDOR_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "candor/status.h"

namespace candor::metrics {

// One operating point: accept iff score >= threshold.
struct RocPoint {
  double threshold = 0;
  double fmr = 0;  // impostor scores >= threshold / impostor count
  double tmr = 0;  // genuine scores >= threshold / genuine count
};

// The full ROC: one point per distinct score value, ordered by decreasing
// threshold (so fmr and tmr are non-decreasing). The first point has a
// threshold just above the highest score (fmr = tmr = 0); the last has the
// lowest score as threshold (fmr = tmr = 1 unless NaNs were present).
struct Roc {
  std::vector<RocPoint> points;
  std::size_t genuine_count = 0;
  std::size_t impostor_count = 0;
};

// Builds the ROC. Needs at least one genuine and one impostor score.
StatusOr<Roc> ComputeRoc(std::span<const double> genuine, std::span<const double> impostor);

// Area under the ROC (trapezoid over the exact step points); equals the
// Mann-Whitney probability P(genuine > impostor) + 0.5 P(genuine == impostor).
double Auc(const Roc& roc);

// Equal error rate: where FMR and FNMR cross, linearly interpolated between the
// two ROC points that bracket the crossing.
double Eer(const Roc& roc);

// The highest TMR among points with FMR <= far (0 if none but the first).
double TarAtFar(const Roc& roc, double far);

// The lowest threshold whose FMR <= target_fmr, with the FMR and TMR there.
// target_fmr must be in [0, 1].
StatusOr<RocPoint> ThresholdForFmr(const Roc& roc, double target_fmr);

// The fraction of `scores` >= threshold (NaN never counts), 0 for an empty span.
double FractionAtOrAbove(std::span<const double> scores, double threshold);

// One scored pair of a fold-based protocol such as LFW View 2.
struct ScoredPair {
  double score = 0;      // similarity; NaN = comparison failed (counts as reject)
  bool genuine = false;  // same person?
  int fold = 0;          // 0-based fold id
};

struct FoldResult {
  int fold = 0;
  double threshold = 0;  // chosen on the other folds
  double accuracy = 0;   // on this fold
  std::size_t pairs = 0;
};

struct KFoldResult {
  std::vector<FoldResult> folds;
  double mean_accuracy = 0;
  double std_accuracy = 0;       // sample standard deviation over folds (n - 1)
  double standard_error = 0;     // std / sqrt(folds), as the LFW protocol reports
  double mean_threshold = 0;
  std::size_t failed_pairs = 0;  // pairs with a NaN score
};

// The LFW View-2 protocol: for each fold, the accuracy-maximising threshold is
// chosen on the pairs of all other folds and applied to this fold. Needs at
// least two folds, each with pairs, and both classes in every training set.
StatusOr<KFoldResult> KFoldAccuracy(std::span<const ScoredPair> pairs);

// The accuracy-maximising threshold over `pairs` (midpoint between adjacent
// distinct scores; ties in accuracy resolved toward the middle of the best run).
StatusOr<double> BestAccuracyThreshold(std::span<const ScoredPair> pairs);

}  // namespace candor::metrics

#endif  // CANDOR_METRICS_H_
