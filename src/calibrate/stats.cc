// Copyright 2026 The Candor Authors.

#include "calibrate/stats.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <tuple>

namespace candor::stats {

double NormalQuantile(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  const double pl = 0.02425;
  if (p < pl) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -NormalQuantile(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

Interval Wilson(uint64_t k, uint64_t n, double confidence) {
  return WilsonEffective(static_cast<double>(k), static_cast<double>(n), confidence);
}

Interval WilsonEffective(double k, double n, double confidence) {
  if (!(n > 0)) return {0, 1};
  k = std::clamp(k, 0.0, n);
  const double z = NormalQuantile(1 - (1 - confidence) / 2);
  const double nn = n, p = k / nn;
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {k == 0 ? 0.0 : std::max(0.0, centre - half), k == n ? 1.0 : std::min(1.0, centre + half)};
}

double ClusterDesignEffect(double sum_y2, double sum_ym, double sum_m2, double k, double n,
                           double clusters) {
  if (!(n > 0) || !(clusters > 1)) return 1.0;
  const double p = k / n;
  if (!(p > 0 && p < 1)) return 1.0;
  // sum_c (y_c - p m_c)^2 = sum y^2 - 2 p sum y m + p^2 sum m^2.
  const double ss = std::max(0.0, sum_y2 - 2 * p * sum_ym + p * p * sum_m2);
  const double var = clusters / (clusters - 1) * ss / (n * n);
  return std::max(1.0, var / (p * (1 - p) / n));
}

std::vector<double> LinkedDesignEffects(std::span<const double> top,
                                        std::span<const uint64_t> self_ids,
                                        std::span<const uint64_t> best_ids, double grid_min,
                                        double step, std::size_t points) {
  // Grid points are visited from the top down; a search entering (its best
  // score reaches the threshold) adds a false positive to its cluster and
  // links its cluster with its best candidate's (union-find), keeping the sums
  // the cluster-robust variance needs: sum y^2, sum y m, sum m^2 over clusters
  // of m searches with y false positives.
  std::map<uint64_t, std::size_t> index;  // id -> node
  std::vector<std::size_t> parent;
  std::vector<double> m, y;  // per root: searches, false positives
  auto node = [&](uint64_t id) {
    auto [it, added] = index.emplace(id, parent.size());
    if (added) {
      parent.push_back(parent.size());
      m.push_back(0);
      y.push_back(0);
    }
    return it->second;
  };
  auto find = [&](std::size_t a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  };
  std::vector<std::tuple<double, std::size_t, std::size_t>>
      usable;  // (score, self, best), descending
  const std::size_t n_searches = top.size();
  for (std::size_t i = 0; i < n_searches; ++i) {
    const std::size_t self = node(self_ids[i]);
    const std::size_t best = node(best_ids[i]);
    m[self] += 1;
    if (std::isfinite(top[i])) usable.emplace_back(top[i], self, best);
  }
  std::sort(usable.begin(), usable.end(), std::greater<>());
  double sum_m2 = 0, clusters = 0;
  for (double x : m) {
    sum_m2 += x * x;
    clusters += x > 0 ? 1 : 0;
  }
  const double n = static_cast<double>(n_searches);
  std::vector<double> out(points, 1.0);
  double sum_y2 = 0, sum_ym = 0, k = 0;
  std::size_t j = 0;
  for (std::size_t i = points; i-- > 0;) {
    const double t = grid_min + step * static_cast<double>(i);
    for (; j < usable.size() && std::get<0>(usable[j]) >= t; ++j) {
      std::size_t a = find(std::get<1>(usable[j]));
      sum_y2 += 2 * y[a] + 1;
      sum_ym += m[a];
      y[a] += 1;
      k += 1;
      const std::size_t b = find(std::get<2>(usable[j]));
      if (a == b) continue;
      sum_y2 += 2 * y[a] * y[b];
      sum_m2 += 2 * m[a] * m[b];
      sum_ym += y[a] * m[b] + y[b] * m[a];
      if (m[a] > 0 && m[b] > 0) clusters -= 1;
      parent[a] = b;
      m[b] += m[a];
      y[b] += y[a];
    }
    out[i] = ClusterDesignEffect(sum_y2, sum_ym, sum_m2, k, n, clusters);
  }
  return out;
}

GpdFit FitGpdTail(std::span<const double> scores, double tail_fraction) {
  GpdFit fit;
  std::vector<double> s;
  s.reserve(scores.size());
  for (double v : scores) {
    if (!std::isnan(v) && std::isfinite(v)) s.push_back(v);
  }
  fit.total = scores.size();
  if (s.empty() || !(tail_fraction > 0 && tail_fraction < 1)) return fit;
  std::sort(s.begin(), s.end());
  const std::size_t k = static_cast<std::size_t>(std::floor(tail_fraction * s.size()));
  if (k < 30) return fit;
  fit.u = s[s.size() - k - 1];
  std::vector<double> y;
  for (std::size_t i = s.size() - k; i < s.size(); ++i) {
    if (s[i] > fit.u) y.push_back(s[i] - fit.u);
  }
  if (y.size() < 30) return fit;
  const double n = static_cast<double>(y.size());
  double a0 = 0, a1 = 0;  // a_r = E[Y (1 - F(Y))^r], plotting positions (i - 0.35) / n
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double p = (static_cast<double>(i) + 1 - 0.35) / n;
    a0 += y[i];
    a1 += (1 - p) * y[i];
  }
  a0 /= n;
  a1 /= n;
  if (!(a0 - 2 * a1 > 0)) return fit;
  const double k_hosking = a0 / (a0 - 2 * a1) - 2;  // Hosking's k = -xi
  fit.sigma = 2 * a0 * a1 / (a0 - 2 * a1);
  fit.xi = -k_hosking;
  fit.exceedances = y.size();
  fit.valid = fit.sigma > 0 && std::isfinite(fit.xi);
  return fit;
}

double GpdSurvival(const GpdFit& fit, double t) {
  if (!fit.valid || fit.total == 0) return std::nan("");
  const double tail = static_cast<double>(fit.exceedances) / static_cast<double>(fit.total);
  const double y = std::max(0.0, t - fit.u);
  if (std::fabs(fit.xi) < 1e-9) return tail * std::exp(-y / fit.sigma);
  const double base = 1 + fit.xi * y / fit.sigma;
  if (base <= 0) return 0;  // beyond the fitted endpoint of a bounded tail
  return tail * std::pow(base, -1 / fit.xi);
}

double GpdQuantile(const GpdFit& fit, double p) {
  if (!fit.valid || fit.total == 0 || !(p > 0)) return std::nan("");
  const double tail = static_cast<double>(fit.exceedances) / static_cast<double>(fit.total);
  if (p >= tail) return fit.u;
  const double r = p / tail;
  if (std::fabs(fit.xi) < 1e-9) return fit.u - fit.sigma * std::log(r);
  return fit.u + fit.sigma / fit.xi * (std::pow(r, -fit.xi) - 1);
}

double ProbAvoidAll(uint64_t m, uint64_t k, uint64_t n) {
  if (k == 0 || n == 0) return 1;
  if (k > m || n > m - k) return 0;
  const double M = static_cast<double>(m), K = static_cast<double>(k), N = static_cast<double>(n);
  return std::exp(std::lgamma(M - K + 1) - std::lgamma(M - K - N + 1) - std::lgamma(M + 1) +
                  std::lgamma(M - N + 1));
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * (values.size() - 1);
  const std::size_t i = static_cast<std::size_t>(std::floor(pos));
  const double f = pos - i;
  if (i + 1 >= values.size()) return values.back();
  return values[i] * (1 - f) + values[i + 1] * f;
}

}  // namespace candor::stats
