// Copyright 2026 The Candor Authors.
//
// Small statistical helpers for calibration and evaluation: binomial
// confidence intervals, the generalised Pareto tail fit and a log-binomial
// ratio used for the gallery-size estimator. Pure functions, thread-safe.

#ifndef CANDOR_CALIBRATE_STATS_H_
#define CANDOR_CALIBRATE_STATS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace candor::stats {

struct Interval {
  double lower = 0;
  double upper = 1;
};

// Wilson score interval for k successes in n trials at two-sided level
// `confidence` (0.95 -> z = 1.96). n == 0 gives [0, 1].
Interval Wilson(uint64_t k, uint64_t n, double confidence = 0.95);
// The same for an effective sample (Kish): k and n divided by a design effect
// >= 1 when the trials are clustered (non-integer counts allowed). n <= 0
// gives [0, 1].
Interval WilsonEffective(double k, double n, double confidence = 0.95);

// Design effect of a proportion estimated from clustered trials: the
// cluster-robust (linearisation) variance of sum(y) / sum(m) over clusters of
// m trials with y successes, divided by the binomial variance p(1-p)/n.
// >= 1 by convention (1 for p in {0, 1} or a single cluster). Callers that
// track many thresholds keep the sums themselves (see Calibration::Build).
double ClusterDesignEffect(double sum_y2, double sum_ym, double sum_m2, double k, double n,
                           double clusters);

// The design effect at each of `points` grid points t = grid_min + i * step
// of a proportion counted from linked non-mated searches: search i is a false
// positive at t when top[i] >= t (NaN: never), and it is then linked with its
// best candidate best[i] (self[i]: the searcher; any ids, the same id = the
// same subject). Searches linked while at or above t form clusters; the
// cluster-robust variance over them gives the design effect (>= 1). Grid
// points are visited from the top down with a union-find, so the cost is
// O(points + searches log searches). All three spans have the same length.
std::vector<double> LinkedDesignEffects(std::span<const double> top, std::span<const uint64_t> self,
                                        std::span<const uint64_t> best, double grid_min,
                                        double step, std::size_t points);

// The standard-normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
double NormalQuantile(double p);

// Generalised Pareto distribution for exceedances y = s - u > 0:
// P(Y > y) = (1 + xi * y / sigma)^(-1 / xi)   (exp(-y / sigma) when xi == 0).
struct GpdFit {
  double u = 0;          // tail threshold (score)
  double sigma = 0;      // scale > 0
  double xi = 0;         // shape; < 0 means a bounded tail (endpoint u - sigma / xi)
  uint64_t exceedances = 0;  // scores > u used in the fit
  uint64_t total = 0;        // all scores (the tail holds exceedances / total of the mass)
  bool valid = false;
};

// Fits the tail of `scores` above their (1 - tail_fraction) quantile by
// probability-weighted moments (Hosking & Wallis 1987). Needs at least 30
// exceedances; otherwise returns valid = false.
GpdFit FitGpdTail(std::span<const double> scores, double tail_fraction);

// P(S > t) under the fit (for t >= u); for t < u the caller uses empirical data.
double GpdSurvival(const GpdFit& fit, double t);

// The score t >= u with GpdSurvival(fit, t) == p (p <= exceedances / total).
double GpdQuantile(const GpdFit& fit, double p);

// P(a uniformly random N-subset of M items avoids all k marked items)
// = C(M - k, N) / C(M, N); 0 when N > M - k.
double ProbAvoidAll(uint64_t m, uint64_t k, uint64_t n);

// The q-quantile (0..1) of `values` (linear interpolation); NaN if empty.
double Quantile(std::vector<double> values, double q);

}  // namespace candor::stats

#endif  // CANDOR_CALIBRATE_STATS_H_
