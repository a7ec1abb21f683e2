// Copyright 2026 The Candor Authors.
//
// gallery/subject_centroids.h.

#include "gallery/subject_centroids.h"

#include <algorithm>

namespace candor::gallery {

void SubjectCentroids::Set(int64_t subject_row, int64_t first_template_id,
                           std::vector<float> centroid) {
  rows_[subject_row] = Entry{first_template_id, std::move(centroid)};
}

void SubjectCentroids::Erase(int64_t subject_row) { rows_.erase(subject_row); }

std::vector<SubjectCentroids::Hit> SubjectCentroids::Search(std::span<const float> probe, int k,
                                                            float threshold) const {
  std::vector<Hit> hits;
  if (k < 1) return hits;
  for (const auto& [row, e] : rows_) {
    double s = 0;
    const size_t n = std::min(probe.size(), e.centroid.size());
    for (size_t i = 0; i < n; ++i) s += static_cast<double>(probe[i]) * e.centroid[i];
    const float score = static_cast<float>(s);
    if (score >= threshold) hits.push_back({row, e.first_template_id, score});
  }
  auto better = [](const Hit& a, const Hit& b) {
    return a.score != b.score ? a.score > b.score : a.subject_row < b.subject_row;
  };
  if (static_cast<int>(hits.size()) > k) {
    std::partial_sort(hits.begin(), hits.begin() + k, hits.end(), better);
    hits.resize(static_cast<size_t>(k));
  } else {
    std::sort(hits.begin(), hits.end(), better);
  }
  return hits;
}

}  // namespace candor::gallery
