// Copyright 2026 The Candor Authors.
//
// include/candor/subject_score.h.

#include "candor/subject_score.h"

#include <cmath>

namespace candor {
namespace {

double Dot(std::span<const float> a, std::span<const float> b) {
  double s = 0;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace

Status ValidateSubjectScore(std::string_view rule) {
  if (rule == kSubjectScoreMax || rule == kSubjectScoreCentroid) return OkStatus();
  return InvalidArgumentError("subject score rule '" + std::string(rule) +
                              "' must be 'max' (best template) or 'centroid' (mean template)");
}

std::vector<float> TemplateCentroid(std::span<const std::vector<float>> templates) {
  if (templates.empty()) return {};
  std::vector<double> sum(templates.front().size(), 0.0);
  for (const auto& t : templates) {
    for (size_t i = 0; i < sum.size() && i < t.size(); ++i) sum[i] += t[i];
  }
  double n2 = 0;
  for (double x : sum) n2 += x * x;
  if (!(n2 > 1e-12)) return {};
  const double inv = 1.0 / std::sqrt(n2);
  std::vector<float> out(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) out[i] = static_cast<float>(sum[i] * inv);
  return out;
}

float SubjectScore(std::span<const float> probe, std::span<const std::vector<float>> templates,
                   std::string_view rule, size_t* best_index) {
  if (templates.empty()) return -1.0f;
  double best = -2.0;
  size_t at = 0;
  for (size_t i = 0; i < templates.size(); ++i) {
    const double s = Dot(probe, templates[i]);
    if (s > best) {
      best = s;
      at = i;
    }
  }
  if (best_index) *best_index = at;
  if (rule != kSubjectScoreCentroid || templates.size() < 2) return static_cast<float>(best);
  const std::vector<float> c = TemplateCentroid(templates);
  return c.empty() ? static_cast<float>(best) : static_cast<float>(Dot(probe, c));
}

}  // namespace candor
