// Copyright 2026 The Candor Authors.

#include "candor/cohort.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace candor {

StatusOr<CohortNormalizer> CohortNormalizer::Create(std::span<const float> cohort, int dim,
                                                    const CohortOptions& options) {
  if (dim < 1) return InvalidArgumentError("cohort: dimension must be >= 1");
  if (cohort.size() % static_cast<std::size_t>(dim) != 0) {
    return InvalidArgumentError("cohort: size is not a multiple of the dimension");
  }
  const std::size_t n = cohort.size() / static_cast<std::size_t>(dim);
  if (n < 10) return InvalidArgumentError("cohort: at least 10 templates are needed, got " + std::to_string(n));
  if (options.top_k != 0 && (options.top_k < 2 || static_cast<std::size_t>(options.top_k) > n)) {
    return InvalidArgumentError("cohort: top_k must be 0 or in [2, " + std::to_string(n) + "]");
  }
  if (!(options.min_sd > 0) || !std::isfinite(options.min_sd)) {
    return InvalidArgumentError("cohort: min_sd must be positive");
  }
  for (float x : cohort) {
    if (!std::isfinite(x)) return InvalidArgumentError("cohort: values must be finite");
  }
  return CohortNormalizer(std::vector<float>(cohort.begin(), cohort.end()), dim, options);
}

StatusOr<CohortStats> CohortNormalizer::Stats(std::span<const float> probe) const {
  if (probe.size() != static_cast<std::size_t>(dim_)) {
    return InvalidArgumentError("cohort: probe has " + std::to_string(probe.size()) + " values, expected " +
                                std::to_string(dim_));
  }
  for (float x : probe) {
    if (!std::isfinite(x)) return InvalidArgumentError("cohort: probe values must be finite");
  }
  const std::size_t n = static_cast<std::size_t>(size());
  std::vector<double> s(n);
  for (std::size_t r = 0; r < n; ++r) {
    const float* c = cohort_.data() + r * static_cast<std::size_t>(dim_);
    double d = 0;
    for (int k = 0; k < dim_; ++k) d += double(c[k]) * probe[k];
    s[r] = d;
  }
  std::size_t m = n;
  if (options_.top_k > 0) {
    m = static_cast<std::size_t>(options_.top_k);
    std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(m - 1), s.end(), std::greater<double>());
  }
  double mean = 0;
  for (std::size_t i = 0; i < m; ++i) mean += s[i];
  mean /= static_cast<double>(m);
  double var = 0;
  for (std::size_t i = 0; i < m; ++i) var += (s[i] - mean) * (s[i] - mean);
  var /= static_cast<double>(m - 1);
  CohortStats st;
  st.mean = static_cast<float>(mean);
  st.sd = std::max(options_.min_sd, static_cast<float>(std::sqrt(var)));
  return st;
}

std::string CohortNormalizer::Describe() const {
  if (options_.top_k > 0) {
    return "adaptive-tnorm k=" + std::to_string(options_.top_k) + " cohort=" + std::to_string(size());
  }
  return "tnorm cohort=" + std::to_string(size());
}

}  // namespace candor
