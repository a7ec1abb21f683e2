// Copyright 2026 The Candor Authors.
//
// Cohort score normalisation for 1:N search (issue 10 item 4; measured in
// docs/ACCURACY.md, "Lower FNIR at a fixed FPIR").
//
// A probe's scores against a fixed cohort of templates of people who are not
// in the gallery (non-mated by construction) show how similar that probe is to
// strangers in general: some faces (small, blurred, "average-looking") score
// high against everyone. Test normalisation (T-norm; Auckenthaler et al.
// 2000) rescales every gallery score of the probe by that cohort's statistics:
//
//     s' = (s - mean_c(probe)) / sd_c(probe),
//
// and the adaptive variant (Sturim & Reynolds 2005; AS-norm, Matejka et al.
// 2017) takes the statistics over only the k highest cohort scores, the part
// of the distribution a threshold lives in. Within one search the map is
// increasing, so ranks never change; across searches it puts every probe on
// the same impostor scale, which is what a single threshold needs.
//
// A normalised threshold T' maps back to a raw threshold per probe
// (RawThreshold), so an exact index searched with that raw threshold returns
// exactly the candidates with s' >= T'.
//
// Thresholds for normalised scores come from a calibration built from
// normalised scores (never the raw-score calibration): the kind and its
// parameters (Describe()) must be recorded with them.
//
// Errors: INVALID_ARGUMENT for an empty or too small cohort, a dimension
// mismatch, non-finite values, k outside [2, cohort size].
// Thread safety: immutable after Create; Stats is const and thread-safe.

#ifndef CANDOR_COHORT_H_
#define CANDOR_COHORT_H_

#include <span>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor {

struct CohortOptions {
  // 0: all cohort scores (T-norm). k >= 2: the k highest (adaptive T-norm).
  int top_k = 0;
  // Floor on the standard deviation (cosine units), so a degenerate cohort
  // cannot blow a score up.
  float min_sd = 0.01f;
};

struct CohortStats {
  float mean = 0;
  float sd = 1;
};

class CohortNormalizer {
 public:
  // `cohort` holds n = cohort.size() / dim unit-norm templates, row-major;
  // at least 10 rows. The rows are copied.
  static StatusOr<CohortNormalizer> Create(std::span<const float> cohort, int dim,
                                           const CohortOptions& options = {});

  // The probe's cohort statistics (probe: dim floats, unit norm).
  StatusOr<CohortStats> Stats(std::span<const float> probe) const;

  static float Normalize(float raw, const CohortStats& s) { return (raw - s.mean) / s.sd; }
  static float RawThreshold(float normalized, const CohortStats& s) { return s.mean + normalized * s.sd; }

  int dim() const { return dim_; }
  int size() const { return static_cast<int>(cohort_.size() / static_cast<std::size_t>(dim_)); }
  const CohortOptions& options() const { return options_; }
  // "tnorm cohort=N" or "adaptive-tnorm k=K cohort=N".
  std::string Describe() const;

 private:
  CohortNormalizer(std::vector<float> cohort, int dim, CohortOptions options)
      : cohort_(std::move(cohort)), dim_(dim), options_(options) {}

  std::vector<float> cohort_;
  int dim_;
  CohortOptions options_;
};

}  // namespace candor

#endif  // CANDOR_COHORT_H_
