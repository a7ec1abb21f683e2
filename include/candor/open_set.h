// Copyright 2026 The Candor Authors.
//
// Open-set 1:N identification metrics in the NIST FRTE (FRVT 1:N) sense, on
// per-search outcomes rather than on images, so any search engine can be scored.
//
//   FNIR(T, R) = fraction of mated searches whose mate is NOT returned at rank
//                <= R with score >= T (a failed search counts as a miss);
//   FPIR(T)    = fraction of non-mated searches returning any candidate with
//                score >= T, i.e. whose top score is >= T;
//   CMC(r)     = fraction of mated searches with the mate at rank <= r, no
//                threshold (closed-set hit rate).
//
// Scores are similarities; a candidate is returned iff score >= T. Ties in the
// candidate list rank the mate pessimistically (callers pass the rank they saw).
//
// Errors: INVALID_ARGUMENT for empty inputs or bad targets. Pure functions,
// thread-safe.

#ifndef CANDOR_OPEN_SET_H_
#define CANDOR_OPEN_SET_H_

#include <cstdint>
#include <span>
#include <vector>

#include "candor/status.h"

namespace candor::metrics {

// The outcome of one mated search.
struct MatedSearch {
  int mate_rank = 0;        // 1-based rank of the mate in the candidate list; 0 = not returned
  double mate_score = 0;    // the mate's score (ignored when mate_rank == 0)
};

// One point of the DET / operating curve, at threshold T.
struct DetPoint {
  double threshold = 0;
  double fpir = 0;
  double fnir = 0;
};

// The DET curve at rank `max_rank` (1 = the mate must be the top candidate):
// one point per distinct score, thresholds decreasing (FPIR rising, FNIR falling).
// `nonmated_top_scores` holds each non-mated search's top score (NaN = no
// candidate returned: never a false positive).
StatusOr<std::vector<DetPoint>> DetCurve(std::span<const MatedSearch> mated,
                                        std::span<const double> nonmated_top_scores,
                                        int max_rank = 1);

// The lowest FNIR among points with FPIR <= target, and the threshold there.
StatusOr<DetPoint> FnirAtFpir(const std::vector<DetPoint>& det, double target_fpir);

// Hit rate at each requested rank (closed-set CMC). Ranks must be >= 1.
StatusOr<std::vector<double>> Cmc(std::span<const MatedSearch> mated, std::span<const int> ranks);

// Empirical FPIR at threshold T for galleries of N randomly drawn entries from
// a measured gallery of M: each row holds one non-mated probe's scores against
// all M entries; the exact average over N-subsets is 1 - C(M-k, N) / C(M, N)
// where k is the number of that probe's scores >= T. Rows must have equal length.
StatusOr<double> FpirForGallerySize(std::span<const std::vector<float>> nonmated_rows,
                                    double threshold, uint64_t gallery_size);

// The closed form for i.i.d. impostor scores: 1 - (1 - fmr)^N.
double IidFpir(double fmr, uint64_t gallery_size);

}  // namespace candor::metrics

#endif  // CANDOR_OPEN_SET_H_
