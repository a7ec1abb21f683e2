// Copyright 2026 The Candor Authors.
//
// Rescoring experiments for open-set 1:N on a labelled set of embeddings
// (issue 10 item 4): cohort score normalisation (T-norm, adaptive T-norm,
// S-norm), quality-aware scores and several templates per subject (max, mean
// of scores, centroid), each compared with plain cosine on the same searches.
// Nothing is re-embedded: every variant rescoring the same EmbeddingSet.
//
// Protocol (docs/ACCURACY.md, "Lower FNIR at a fixed FPIR"):
//   - identities split as `candor eval identify` does (SplitByIdentity, same
//     seed and fraction): parameters (the cohort, the adaptive k, the quality
//     bins) come from the calibration identities only; every reported rate
//     from the evaluation identities;
//   - evaluation side: subjects = identities with >= 2 images, non-mated
//     searches = the first `max_nonmated` single-image identities in SHA-256
//     order of the name, real distractors = the other single-image identities
//     (enrolled as subjects of their own);
//   - "one template": each subject enrolled with its first image, mated
//     searches = its other images; "two templates": subjects enrolled with
//     their first two images, mated searches = images 3.. (so the one- and
//     two-template rows of that protocol use the same searches);
//   - FNIR at FPIR `target_fpir` (rank 1), the threshold read off the DET of
//     the evaluation searches, with the base gallery and with the real
//     distractors added.
//   - the adaptive k is chosen on the calibration identities: their half A is
//     the cohort, half B runs the protocol above, the k with the lowest FNIR
//     (with distractors) wins.
// Errors: INVALID_ARGUMENT when the set is too small or lacks qualities for
// the quality-aware rows (those rows are then skipped with a note).
// Thread safety: pure function of its inputs.

#ifndef CANDOR_CALIBRATE_SCORE_VARIANTS_H_
#define CANDOR_CALIBRATE_SCORE_VARIANTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/embedding_set.h"
#include "candor/status.h"

namespace candor::eval {

struct ScoreVariantOptions {
  double calibration_fraction = 0.5;
  std::string split_seed = "candor-split-2026-11-22";
  std::size_t max_nonmated = 1000;
  std::size_t cohort_size = 2000;      // calibration-side images in the cohort
  std::vector<int> top_k = {25, 50, 100, 200, 400};  // adaptive-k candidates (Matejka et al. use 200-400)
  int quality_bins = 5;                // equal-count bins of the calibration side's qualities
  double target_fpir = 0.01;
  uint64_t seed = 20261205;
};

// {"rows": [{"variant", "protocol", "fnir_base", "fnir_distractors", "threshold_*", "rank1", ...}],
//  "chosen_k", "tuning": [...], "counts": {...}, "notes": [...]}
StatusOr<nlohmann::json> RunScoreVariants(const EmbeddingSet& set, const ScoreVariantOptions& options);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_SCORE_VARIANTS_H_
