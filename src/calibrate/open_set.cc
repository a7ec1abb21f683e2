// Copyright 2026 The Candor Authors.

#include "candor/open_set.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "calibrate/stats.h"

namespace candor::metrics {

StatusOr<std::vector<DetPoint>> DetCurve(std::span<const MatedSearch> mated,
                                        std::span<const double> nonmated, int max_rank) {
  if (mated.empty() || nonmated.empty()) {
    return InvalidArgumentError("DET needs mated and non-mated searches");
  }
  if (max_rank < 1) return InvalidArgumentError("rank must be >= 1");
  // Hits: mated searches whose mate is within max_rank, by mate score.
  std::vector<double> hits, fps;
  for (const MatedSearch& m : mated) {
    if (m.mate_rank >= 1 && m.mate_rank <= max_rank && !std::isnan(m.mate_score)) {
      hits.push_back(m.mate_score);
    }
  }
  for (double s : nonmated) {
    if (!std::isnan(s)) fps.push_back(s);
  }
  std::sort(hits.begin(), hits.end(), std::greater<double>());
  std::sort(fps.begin(), fps.end(), std::greater<double>());
  const double nm = static_cast<double>(mated.size()), nn = static_cast<double>(nonmated.size());
  std::vector<DetPoint> det;
  double top = -std::numeric_limits<double>::infinity();
  if (!hits.empty()) top = hits.front();
  if (!fps.empty()) top = std::max(top, fps.front());
  det.push_back({std::isinf(top) ? 0.0 : std::nextafter(top, 1e300), 0.0, 1.0});
  std::size_t hi = 0, fi = 0;
  while (hi < hits.size() || fi < fps.size()) {
    double v = -std::numeric_limits<double>::infinity();
    if (hi < hits.size()) v = hits[hi];
    if (fi < fps.size()) v = std::max(v, fps[fi]);
    while (hi < hits.size() && hits[hi] >= v) ++hi;
    while (fi < fps.size() && fps[fi] >= v) ++fi;
    det.push_back({v, static_cast<double>(fi) / nn, 1.0 - static_cast<double>(hi) / nm});
  }
  return det;
}

StatusOr<DetPoint> FnirAtFpir(const std::vector<DetPoint>& det, double target) {
  if (det.empty()) return InvalidArgumentError("empty DET");
  if (!(target >= 0 && target <= 1)) return InvalidArgumentError("target FPIR must be in [0, 1]");
  DetPoint best = det.front();
  for (const DetPoint& p : det) {
    if (p.fpir <= target && p.fnir <= best.fnir) best = p;
  }
  return best;
}

StatusOr<std::vector<double>> Cmc(std::span<const MatedSearch> mated, std::span<const int> ranks) {
  if (mated.empty()) return InvalidArgumentError("CMC needs mated searches");
  std::vector<double> out;
  for (int r : ranks) {
    if (r < 1) return InvalidArgumentError("CMC ranks must be >= 1");
    std::size_t hits = 0;
    for (const MatedSearch& m : mated) hits += (m.mate_rank >= 1 && m.mate_rank <= r) ? 1 : 0;
    out.push_back(static_cast<double>(hits) / static_cast<double>(mated.size()));
  }
  return out;
}

StatusOr<double> FpirForGallerySize(std::span<const std::vector<float>> rows, double threshold,
                                    uint64_t n) {
  if (rows.empty()) return InvalidArgumentError("no non-mated searches");
  const uint64_t m = rows.front().size();
  if (m == 0) return InvalidArgumentError("empty gallery rows");
  if (n == 0 || n > m) {
    return InvalidArgumentError("gallery size must be in [1, " + std::to_string(m) + "]");
  }
  double sum = 0;
  for (const auto& row : rows) {
    if (row.size() != m) return InvalidArgumentError("non-mated rows differ in length");
    uint64_t k = 0;
    for (float s : row) k += (!std::isnan(s) && s >= threshold) ? 1 : 0;
    sum += 1.0 - stats::ProbAvoidAll(m, k, n);
  }
  return sum / static_cast<double>(rows.size());
}

double IidFpir(double fmr, uint64_t n) {
  return -std::expm1(static_cast<double>(n) * std::log1p(-std::clamp(fmr, 0.0, 1.0)));
}

}  // namespace candor::metrics
