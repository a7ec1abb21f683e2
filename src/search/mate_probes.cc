// Copyright 2026 The Candor Authors.

#include "search/mate_probes.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace candor::search {
namespace {

// Quantiles (i + 0.5) / 64 of the genuine-pair cosines of the default model
// (mobilefacenet-192) on all of LFW (13,233 images, 1,680 identities with two
// or more), each identity weighted equally (its first 40 images, all pairs):
// scripts/mate_cosines.py on the pipeline's LFW embedding cache. Not the
// calibration file's all-pairs distribution: there a few identities with
// hundreds of photos contribute most pairs, and its low tail is thinner
// (1 % below 0.548 against 0.45 here).
constexpr std::array<float, 64> kMobileFaceNetGenuine = {
    0.405f, 0.499f, 0.538f, 0.572f, 0.591f, 0.607f, 0.622f, 0.635f, 0.646f, 0.653f, 0.663f,
    0.672f, 0.679f, 0.687f, 0.693f, 0.697f, 0.703f, 0.710f, 0.715f, 0.722f, 0.727f, 0.731f,
    0.735f, 0.740f, 0.744f, 0.749f, 0.753f, 0.758f, 0.762f, 0.766f, 0.770f, 0.773f, 0.777f,
    0.780f, 0.784f, 0.788f, 0.792f, 0.796f, 0.799f, 0.804f, 0.807f, 0.811f, 0.815f, 0.819f,
    0.823f, 0.827f, 0.831f, 0.835f, 0.838f, 0.842f, 0.847f, 0.852f, 0.855f, 0.860f, 0.865f,
    0.870f, 0.875f, 0.880f, 0.886f, 0.892f, 0.898f, 0.907f, 0.921f, 0.948f};

}  // namespace

std::span<const float> DefaultMateCosines() { return kMobileFaceNetGenuine; }

float MateCosineAt(std::span<const float> q, double u) {
  if (q.empty()) return 0.7f;
  if (q.size() == 1) return q[0];
  const double x = std::clamp(u, 0.0, 1.0) * static_cast<double>(q.size()) - 0.5;
  if (x <= 0) return q.front();
  const size_t i = static_cast<size_t>(x);
  if (i + 1 >= q.size()) return q.back();
  const double f = x - static_cast<double>(i);
  return static_cast<float>(q[i] * (1 - f) + q[i + 1] * f);
}

float MakeMateProbe(const float* mate, const float* direction, float c, int dim, float* out) {
  const size_t d = static_cast<size_t>(dim);
  c = std::clamp(c, -1.0f, 1.0f);
  double along = 0;
  for (size_t e = 0; e < d; ++e) along += static_cast<double>(direction[e]) * mate[e];
  double norm = 0;
  for (size_t e = 0; e < d; ++e) {
    out[e] = static_cast<float>(direction[e] - along * mate[e]);
    norm += static_cast<double>(out[e]) * out[e];
  }
  if (norm < 1e-12) {
    // The direction carries nothing orthogonal to the mate: use the axis of
    // the mate's smallest component (never parallel to a unit vector, d > 1).
    size_t axis = 0;
    for (size_t e = 1; e < d; ++e) {
      if (std::fabs(mate[e]) < std::fabs(mate[axis])) axis = e;
    }
    for (size_t e = 0; e < d; ++e) out[e] = static_cast<float>((e == axis ? 1.0 : 0.0) - mate[axis] * mate[e]);
    norm = 0;
    for (size_t e = 0; e < d; ++e) norm += static_cast<double>(out[e]) * out[e];
  }
  const double s = std::sqrt(std::max(0.0, 1.0 - static_cast<double>(c) * c)) / std::sqrt(std::max(norm, 1e-30));
  double dot = 0;
  for (size_t e = 0; e < d; ++e) {
    out[e] = static_cast<float>(c * mate[e] + s * out[e]);
    dot += static_cast<double>(out[e]) * mate[e];
  }
  return static_cast<float>(dot);
}

}  // namespace candor::search
