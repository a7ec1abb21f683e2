// Copyright 2026 The Candor Authors.

#include "search/synthetic_data.h"

#include <cmath>
#include <random>

namespace candor::search {

void NormaliseRows(std::vector<float>& v, int dim) {
  const size_t d = static_cast<size_t>(dim);
  for (size_t r = 0; r + d <= v.size(); r += d) {
    double sq = 0;
    for (size_t i = 0; i < d; ++i) sq += static_cast<double>(v[r + i]) * v[r + i];
    const float inv = sq > 0 ? static_cast<float>(1.0 / std::sqrt(sq)) : 0.0f;
    for (size_t i = 0; i < d; ++i) v[r + i] *= inv;
  }
}

std::vector<float> RandomUnitVectors(int64_t n, int dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(n) * static_cast<size_t>(dim));
  for (float& x : v) x = g(rng);
  NormaliseRows(v, dim);
  return v;
}

float NoiseForMateCosine(float cosine) { return std::sqrt(1.0f / cosine - 1.0f); }

float NoiseForProbeCosine(float cosine) { return std::sqrt(1.0f / (cosine * cosine) - 1.0f); }

std::vector<float> SampleIdentities(const std::vector<float>& centres, int dim,
                                    const std::vector<int64_t>& identity_of, float noise,
                                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  const float sigma = noise / std::sqrt(static_cast<float>(dim));
  std::normal_distribution<float> g(0.0f, sigma);
  const size_t d = static_cast<size_t>(dim);
  std::vector<float> out(identity_of.size() * d);
  for (size_t i = 0; i < identity_of.size(); ++i) {
    const float* c = centres.data() + static_cast<size_t>(identity_of[i]) * d;
    for (size_t k = 0; k < d; ++k) out[i * d + k] = c[k] + g(rng);
  }
  NormaliseRows(out, dim);
  return out;
}

std::vector<float> StructuredVectors(int64_t n, int dim, int groups, float spread, uint64_t seed) {
  const std::vector<float> centres = RandomUnitVectors(groups, dim, seed ^ 0xC0FFEE);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> pick(0, groups - 1);
  std::vector<int64_t> of(static_cast<size_t>(n));
  for (auto& g : of) g = pick(rng);
  return SampleIdentities(centres, dim, of, spread, seed + 1);
}

}  // namespace candor::search
