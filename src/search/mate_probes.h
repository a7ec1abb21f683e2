// Copyright 2026 The Candor Authors.
//
// The held-back probes the compressed index measures its recall with: a stored
// template (the "mate") turned into a probe of real mated-pair strength.
//
// Two things make a probe as hard as a real second photograph of the person:
//   how far it is from its mate   the probe-mate cosine of each probe is drawn
//                                 from the model's genuine-pair cosine
//                                 distribution (DefaultMateCosines: quantiles
//                                 over LFW identities), not one fixed value, so
//                                 the low tail (1 % of genuine pairs score
//                                 below 0.45) is represented;
//   in which direction            real within-person differences lie in the
//                                 directions the gallery itself varies in, not
//                                 spread evenly over all dimensions. Isotropic
//                                 noise of the same cosine barely moves a probe
//                                 between partitions and overstated recall
//                                 (99.7 % self-measured, 96.0 % on real LFW
//                                 mates at 10^7; docs/BENCHMARKS.md).
//                                 kGalleryShaped draws the direction from
//                                 differences of random stored templates (their
//                                 covariance is twice the gallery's own).
//
// probe = c * mate + sqrt(1 - c^2) * n, with n a unit vector orthogonal to the
// mate, so the probe is unit-norm and its cosine to the mate is exactly c.

#ifndef CANDOR_SEARCH_MATE_PROBES_H_
#define CANDOR_SEARCH_MATE_PROBES_H_

#include <cstdint>
#include <span>
#include <vector>

namespace candor::search {

enum class ProbeNoise {
  kIsotropic,      // Gaussian noise spread evenly over all dimensions (the old model)
  kGalleryShaped,  // noise along differences of stored templates (default)
};

// 64 quantiles (u = (i + 0.5) / 64) of the genuine-pair cosine distribution
// of the default model on LFW, each identity weighted equally (mean 0.76;
// scripts/mate_cosines.py; provenance in mate_probes.cc).
std::span<const float> DefaultMateCosines();

// The cosine at quantile u in [0, 1) of a sorted quantile table (linear
// interpolation between the table's points).
float MateCosineAt(std::span<const float> quantiles, double u);

// out = c * mate + sqrt(1 - c^2) * unit(direction - (direction . mate) mate).
// mate must be unit-norm. If direction is (nearly) parallel to the mate, a
// fixed fallback axis is used. Returns the achieved cosine to the mate.
float MakeMateProbe(const float* mate, const float* direction, float c, int dim, float* out);

}  // namespace candor::search

#endif  // CANDOR_SEARCH_MATE_PROBES_H_
