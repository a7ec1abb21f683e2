// Copyright 2026 The Candor Authors.

#include "candor/metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>

namespace candor::metrics {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double Clean(double s) { return std::isnan(s) ? kNegInf : s; }

std::vector<double> SortedDescending(std::span<const double> v) {
  std::vector<double> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), Clean);
  std::sort(out.begin(), out.end(), std::greater<double>());
  return out;
}

// A threshold strictly between a < b (accepting b, rejecting a).
double Between(double a, double b) {
  if (std::isinf(a)) return std::isinf(b) ? std::numeric_limits<double>::lowest() : b - 1.0;
  return a + (b - a) / 2;
}

}  // namespace

StatusOr<Roc> ComputeRoc(std::span<const double> genuine, std::span<const double> impostor) {
  if (genuine.empty() || impostor.empty()) {
    return InvalidArgumentError("ROC needs at least one genuine and one impostor score (got " +
                                std::to_string(genuine.size()) + " genuine, " +
                                std::to_string(impostor.size()) + " impostor)");
  }
  std::vector<double> g = SortedDescending(genuine);
  std::vector<double> m = SortedDescending(impostor);
  Roc roc;
  roc.genuine_count = g.size();
  roc.impostor_count = m.size();
  const double top = std::max(g.front(), m.front());
  const double first =
      std::isinf(top) ? std::numeric_limits<double>::infinity()
                      : std::nextafter(top, std::numeric_limits<double>::infinity());
  roc.points.push_back({first, 0.0, 0.0});
  std::size_t gi = 0, mi = 0;
  const double ng = static_cast<double>(g.size()), nm = static_cast<double>(m.size());
  while (gi < g.size() || mi < m.size()) {
    double v = kNegInf;
    if (gi < g.size()) v = g[gi];
    if (mi < m.size()) v = std::max(v, m[mi]);
    if (std::isinf(v) && v < 0) break;  // NaN / -inf scores are never accepted
    while (gi < g.size() && g[gi] >= v) ++gi;
    while (mi < m.size() && m[mi] >= v) ++mi;
    roc.points.push_back({v, static_cast<double>(mi) / nm, static_cast<double>(gi) / ng});
  }
  return roc;
}

double Auc(const Roc& roc) {
  double area = 0;
  for (std::size_t i = 1; i < roc.points.size(); ++i) {
    const RocPoint& a = roc.points[i - 1];
    const RocPoint& b = roc.points[i];
    area += (b.fmr - a.fmr) * (a.tmr + b.tmr) / 2;
  }
  // Rejected-forever (NaN) scores: the curve ends below (1, 1); close it with
  // the straight segment a random tie-break would give.
  if (!roc.points.empty()) {
    const RocPoint& last = roc.points.back();
    area += (1.0 - last.fmr) * (last.tmr + 1.0) / 2;
  }
  return area;
}

double Eer(const Roc& roc) {
  const auto& p = roc.points;
  if (p.empty()) return 1.0;
  double prev_d = (1.0 - p[0].tmr) - p[0].fmr;
  if (prev_d <= 0) return p[0].fmr;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double d = (1.0 - p[i].tmr) - p[i].fmr;
    if (d <= 0) {
      const double s = prev_d / (prev_d - d);
      return p[i - 1].fmr + s * (p[i].fmr - p[i - 1].fmr);
    }
    prev_d = d;
  }
  // Never crossed (NaNs kept FMR and TMR below 1): extrapolate to (1, 1).
  const RocPoint& last = p.back();
  const double d_end = -1.0;  // at fmr 1, fnmr 0
  const double s = prev_d / (prev_d - d_end);
  return last.fmr + s * (1.0 - last.fmr);
}

double TarAtFar(const Roc& roc, double far) {
  double best = 0;
  for (const RocPoint& p : roc.points) {
    if (p.fmr <= far) best = std::max(best, p.tmr);
  }
  return best;
}

StatusOr<RocPoint> ThresholdForFmr(const Roc& roc, double target_fmr) {
  if (!(target_fmr >= 0 && target_fmr <= 1)) {
    return InvalidArgumentError("target FMR must be in [0, 1]");
  }
  if (roc.points.empty()) return InvalidArgumentError("empty ROC");
  RocPoint best = roc.points.front();
  for (const RocPoint& p : roc.points) {
    if (p.fmr <= target_fmr) best = p;  // thresholds decrease along the curve
  }
  return best;
}

double FractionAtOrAbove(std::span<const double> scores, double threshold) {
  if (scores.empty()) return 0;
  std::size_t n = 0;
  for (double s : scores) n += (!std::isnan(s) && s >= threshold) ? 1 : 0;
  return static_cast<double>(n) / static_cast<double>(scores.size());
}

StatusOr<double> BestAccuracyThreshold(std::span<const ScoredPair> pairs) {
  std::size_t genuine = 0;
  for (const ScoredPair& p : pairs) genuine += p.genuine ? 1 : 0;
  if (genuine == 0 || genuine == pairs.size()) {
    return InvalidArgumentError("threshold selection needs both genuine and impostor pairs");
  }
  // Distinct scores ascending, with genuine/impostor counts at each.
  std::map<double, std::pair<long, long>> at;  // score -> (genuine, impostor)
  for (const ScoredPair& p : pairs) {
    auto& c = at[Clean(p.score)];
    (p.genuine ? c.first : c.second) += 1;
  }
  std::vector<double> values;
  std::vector<long> correct;  // candidate k: threshold between value k-1 and value k
  long c = static_cast<long>(genuine);  // threshold below everything: accept all
  correct.push_back(c);
  for (const auto& [v, counts] : at) {
    values.push_back(v);
    c += counts.second - counts.first;  // v now rejected
    correct.push_back(c);
  }
  const long best = *std::max_element(correct.begin(), correct.end());
  std::vector<std::size_t> best_k;
  for (std::size_t k = 0; k < correct.size(); ++k) {
    if (correct[k] == best) best_k.push_back(k);
  }
  const std::size_t k = best_k[best_k.size() / 2];
  if (k == 0) return Between(kNegInf, values.front());
  if (k == values.size()) {
    const double v = values.back();
    return std::isinf(v) ? std::numeric_limits<double>::lowest() : v + 1.0;
  }
  return Between(values[k - 1], values[k]);
}

StatusOr<KFoldResult> KFoldAccuracy(std::span<const ScoredPair> pairs) {
  std::map<int, std::vector<ScoredPair>> by_fold;
  KFoldResult result;
  for (const ScoredPair& p : pairs) {
    by_fold[p.fold].push_back(p);
    if (std::isnan(p.score)) ++result.failed_pairs;
  }
  if (by_fold.size() < 2) return InvalidArgumentError("k-fold protocol needs at least two folds");
  for (const auto& [fold, test] : by_fold) {
    std::vector<ScoredPair> train;
    for (const ScoredPair& p : pairs) {
      if (p.fold != fold) train.push_back(p);
    }
    auto t = BestAccuracyThreshold(train);
    if (!t.ok()) return t.status().WithContext("fold " + std::to_string(fold));
    std::size_t right = 0;
    for (const ScoredPair& p : test) {
      const bool accept = !std::isnan(p.score) && p.score >= *t;
      right += (accept == p.genuine) ? 1 : 0;
    }
    result.folds.push_back({fold, *t, static_cast<double>(right) / test.size(), test.size()});
  }
  const double k = static_cast<double>(result.folds.size());
  for (const FoldResult& f : result.folds) {
    result.mean_accuracy += f.accuracy / k;
    result.mean_threshold += f.threshold / k;
  }
  double ss = 0;
  for (const FoldResult& f : result.folds) {
    ss += (f.accuracy - result.mean_accuracy) * (f.accuracy - result.mean_accuracy);
  }
  result.std_accuracy = std::sqrt(ss / (k - 1));
  result.standard_error = result.std_accuracy / std::sqrt(k);
  return result;
}

}  // namespace candor::metrics
