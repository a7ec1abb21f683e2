// Copyright 2026 The Candor Authors.
//
// Minutia Cylinder-Code (Cappelli, Ferrara & Maltoni, IEEE TPAMI 2010):
// cylinder creation, local similarity and LSS-R consolidation.

#include <algorithm>
#include <cmath>
#include <vector>

#include "candor/finger.h"
#include "finger/geometry.h"

namespace candor::finger {
namespace {

using internal::AngleDiff;

// True when p lies inside the convex polygon `hull` or within `omega` of it.
bool InEnlargedHull(const std::vector<cv::Point2f>& hull, cv::Point2f p, double omega) {
  const size_t n = hull.size();
  if (n == 0) return false;
  auto seg_dist = [](cv::Point2f a, cv::Point2f b, cv::Point2f q) {
    const cv::Point2f ab = b - a, aq = q - a;
    const float len2 = ab.dot(ab);
    const float t = len2 > 0 ? std::clamp(aq.dot(ab) / len2, 0.f, 1.f) : 0.f;
    const cv::Point2f d = a + t * ab - q;
    return std::sqrt(d.dot(d));
  };
  if (n >= 3) {
    bool pos = false, neg = false;
    for (size_t i = 0; i < n; ++i) {
      const cv::Point2f a = hull[i], b = hull[(i + 1) % n];
      const float cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
      pos |= cross > 0;
      neg |= cross < 0;
    }
    if (!(pos && neg)) return true;
  }
  float best = 1e30f;
  for (size_t i = 0; i < n; ++i) best = std::min(best, seg_dist(hull[i], hull[(i + 1) % n], p));
  return best <= omega;
}

double Sigmoid(double v, double mu, double tau) { return 1.0 / (1.0 + std::exp(-tau * (v - mu))); }

// Spatial cells whose centre lies within the radius: the most a cylinder can
// have valid (208 of 256 for the paper's values). minVC and minME are read as
// fractions of these (of the cylinder, not of its bounding square).
int DiskCells(const MccParams& p) {
  const double ds = 2 * p.radius / p.ns;
  int n = 0;
  for (int i = 0; i < p.ns; ++i) {
    for (int j = 0; j < p.ns; ++j) {
      const double a = (i - (p.ns - 1) / 2.0) * ds, b = (j - (p.ns - 1) / 2.0) * ds;
      n += std::hypot(a, b) <= p.radius;
    }
  }
  return n;
}

}  // namespace

MccTemplate BuildMcc(const FingerTemplate& t, const MccParams& p) {
  MccTemplate out;
  out.params = p;
  out.minutiae = t.minutiae;
  if (p.ns < 2 || p.ns > 64 || p.nd < 1 || p.nd > 64 || !(p.radius > 0) || !(p.sigma_s > 0) || !(p.sigma_d > 0)) {
    return out;  // no cylinders: every comparison scores 0
  }
  if (t.resolution_dpi > 0 && t.resolution_dpi != 500) {  // MCC's parameters are for 500 dpi
    const float k = 500.f / t.resolution_dpi;
    for (Minutia& m : out.minutiae) {
      m.x *= k;
      m.y *= k;
    }
  }
  const int ns = p.ns, nd = p.nd;
  const size_t cells = static_cast<size_t>(ns) * ns * nd;
  const size_t words = (cells + 63) / 64;
  const double ds = 2 * p.radius / ns, dd = 2 * CV_PI / nd;
  const double gs_norm = 1.0 / (p.sigma_s * std::sqrt(2 * CV_PI));
  const double reach = 3 * p.sigma_s;
  const int disk = DiskCells(p);

  std::vector<cv::Point2f> pts;
  for (const Minutia& m : out.minutiae) pts.emplace_back(m.x, m.y);
  std::vector<cv::Point2f> hull;
  if (pts.size() >= 3) {
    cv::convexHull(pts, hull);
  } else {
    hull = pts;
  }

  for (size_t mi = 0; mi < out.minutiae.size(); ++mi) {
    const Minutia& m = out.minutiae[mi];
    std::vector<int> nb;
    for (size_t j = 0; j < out.minutiae.size(); ++j) {
      if (j == mi) continue;
      const double d = std::hypot(out.minutiae[j].x - m.x, out.minutiae[j].y - m.y);
      if (d <= p.radius + reach) nb.push_back(static_cast<int>(j));
    }
    // The direction term depends only on the neighbour, not on the cell.
    std::vector<double> cd(nb.size() * nd);
    for (size_t n = 0; n < nb.size(); ++n) {
      const double dtheta = AngleDiff(m.direction, out.minutiae[nb[n]].direction);
      for (int k = 0; k < nd; ++k) {
        const double alpha = AngleDiff(-CV_PI + (k + 0.5) * dd, dtheta);
        cd[n * nd + k] = 0.5 * (std::erf((alpha + dd / 2) / (std::sqrt(2.0) * p.sigma_d)) -
                                std::erf((alpha - dd / 2) / (std::sqrt(2.0) * p.sigma_d)));
      }
    }
    MccTemplate::Cylinder cyl;
    cyl.minutia = static_cast<int>(mi);
    cyl.cells.assign(cells, 0.f);
    cyl.bits.assign(words, 0);
    cyl.valid.assign(words, 0);
    std::vector<bool> contributes(nb.size(), false);
    int valid_cells = 0;
    const double c = std::cos(m.direction), s = std::sin(m.direction);
    for (int i = 0; i < ns; ++i) {
      for (int j = 0; j < ns; ++j) {
        const double a = (i - (ns - 1) / 2.0) * ds, b = (j - (ns - 1) / 2.0) * ds;
        // The cell grid turns with the minutia (rotation by +direction in image
        // coordinates, so that it is covariant with how directions turn).
        const cv::Point2f center(static_cast<float>(m.x + c * a - s * b), static_cast<float>(m.y + s * a + c * b));
        if (std::hypot(center.x - m.x, center.y - m.y) > p.radius) continue;
        if (!InEnlargedHull(hull, center, p.omega)) continue;
        ++valid_cells;
        double sums[64] = {};
        for (size_t n = 0; n < nb.size(); ++n) {
          const Minutia& q = out.minutiae[nb[n]];
          const double d = std::hypot(q.x - center.x, q.y - center.y);
          if (d > reach) continue;
          contributes[n] = true;
          const double cs = gs_norm * std::exp(-d * d / (2 * p.sigma_s * p.sigma_s));
          for (int k = 0; k < nd; ++k) sums[k] += cs * cd[n * nd + k];
        }
        for (int k = 0; k < nd; ++k) {
          const size_t idx = (static_cast<size_t>(k) * ns + i) * ns + j;
          cyl.cells[idx] = static_cast<float>(Sigmoid(sums[k], p.mu_psi, p.tau_psi));
          cyl.valid[idx / 64] |= uint64_t{1} << (idx % 64);
          if (sums[k] >= p.mu_psi) cyl.bits[idx / 64] |= uint64_t{1} << (idx % 64);
        }
      }
    }
    const int contributing = static_cast<int>(std::count(contributes.begin(), contributes.end(), true));
    if (valid_cells < p.min_vc * disk || contributing < p.min_m) continue;
    double n2 = 0;
    for (float v : cyl.cells) n2 += static_cast<double>(v) * v;
    cyl.norm = static_cast<float>(std::sqrt(n2));
    out.cylinders.push_back(std::move(cyl));
  }
  return out;
}

namespace {

// Local similarity of two cylinders (paper eq. 11 / bit version eq. 16).
double LocalSimilarity(const MccTemplate::Cylinder& a, const MccTemplate::Cylinder& b, const Minutia& ma,
                       const Minutia& mb, const MccParams& p) {
  if (std::abs(AngleDiff(ma.direction, mb.direction)) > p.delta_theta) return 0;
  const size_t words = a.valid.size();
  int common = 0;
  for (size_t w = 0; w < words; ++w) common += __builtin_popcountll(a.valid[w] & b.valid[w]);
  if (common < p.min_me * DiskCells(p) * p.nd) return 0;
  if (p.bits) {
    int ca = 0, cb = 0, cx = 0;
    for (size_t w = 0; w < words; ++w) {
      const uint64_t m = a.valid[w] & b.valid[w];
      ca += __builtin_popcountll(a.bits[w] & m);
      cb += __builtin_popcountll(b.bits[w] & m);
      cx += __builtin_popcountll((a.bits[w] ^ b.bits[w]) & m);
    }
    const double den = std::sqrt(static_cast<double>(ca)) + std::sqrt(static_cast<double>(cb));
    return den > 0 ? 1 - std::sqrt(static_cast<double>(cx)) / den : 0;
  }
  float saa = 0, sbb = 0, sdd = 0;
  const size_t n = a.cells.size();
  for (size_t w = 0; w < words; ++w) {
    uint64_t m = a.valid[w] & b.valid[w];
    while (m) {
      const size_t idx = w * 64 + static_cast<size_t>(__builtin_ctzll(m));
      m &= m - 1;
      if (idx >= n) break;
      const float va = a.cells[idx], vb = b.cells[idx];
      saa += va * va;
      sbb += vb * vb;
      sdd += (va - vb) * (va - vb);
    }
  }
  const double den = std::sqrt(saa) + std::sqrt(sbb);
  return den > 0 ? 1 - std::sqrt(sdd) / den : 0;
}

bool SameParams(const MccParams& a, const MccParams& b) {
  return a.radius == b.radius && a.ns == b.ns && a.nd == b.nd && a.sigma_s == b.sigma_s &&
         a.sigma_d == b.sigma_d && a.mu_psi == b.mu_psi && a.bits == b.bits;
}

}  // namespace

MatchResult CompareMcc(const MccTemplate& a, const MccTemplate& b) {
  MatchResult r;
  const MccParams& p = a.params;
  const int na = static_cast<int>(a.cylinders.size()), nb = static_cast<int>(b.cylinders.size());
  if (na == 0 || nb == 0 || !SameParams(a.params, b.params)) return r;

  struct Pair {
    int i, j;  // cylinder indices
    double gamma;
  };
  std::vector<Pair> all;
  all.reserve(static_cast<size_t>(na) * nb);
  for (int i = 0; i < na; ++i) {
    const Minutia& ma = a.minutiae[a.cylinders[i].minutia];
    for (int j = 0; j < nb; ++j) {
      const double g = LocalSimilarity(a.cylinders[i], b.cylinders[j], ma, b.minutiae[b.cylinders[j].minutia], p);
      if (g > 0) all.push_back({i, j, g});
    }
  }
  const int np = p.min_np + static_cast<int>(std::lround(Sigmoid(std::min(na, nb), p.mu_p, p.tau_p) *
                                                         (p.max_np - p.min_np)));
  // LSS-R: the best min(na, nb) one-to-one pairs by local similarity ...
  std::sort(all.begin(), all.end(), [](const Pair& x, const Pair& y) { return x.gamma > y.gamma; });
  const int nr = std::min(na, nb);
  std::vector<Pair> sel;
  std::vector<bool> used_a(na, false), used_b(nb, false);
  for (const Pair& pr : all) {
    if (static_cast<int>(sel.size()) >= nr) break;
    if (used_a[pr.i] || used_b[pr.j]) continue;
    used_a[pr.i] = used_b[pr.j] = true;
    sel.push_back(pr);
  }
  if (sel.empty()) return r;
  // ... relaxed by their geometric compatibility (paper eqs. 20-22).
  const size_t n = sel.size();
  std::vector<double> rho(n * n, 0.0);
  for (size_t t = 0; t < n; ++t) {
    const Minutia& at = a.minutiae[a.cylinders[sel[t].i].minutia];
    const Minutia& bt = b.minutiae[b.cylinders[sel[t].j].minutia];
    for (size_t k = 0; k < n; ++k) {
      if (k == t) continue;
      const Minutia& ak = a.minutiae[a.cylinders[sel[k].i].minutia];
      const Minutia& bk = b.minutiae[b.cylinders[sel[k].j].minutia];
      const double d1 = std::abs(std::hypot(at.x - ak.x, at.y - ak.y) - std::hypot(bt.x - bk.x, bt.y - bk.y));
      const double d2 = std::abs(AngleDiff(AngleDiff(at.direction, ak.direction),
                                           AngleDiff(bt.direction, bk.direction)));
      const double ra = AngleDiff(at.direction, std::atan2(ak.y - at.y, ak.x - at.x));
      const double rb = AngleDiff(bt.direction, std::atan2(bk.y - bt.y, bk.x - bt.x));
      const double d3 = std::abs(AngleDiff(ra, rb));
      rho[t * n + k] = Sigmoid(d1, p.mu_rho1, p.tau_rho1) * Sigmoid(d2, p.mu_rho2, p.tau_rho2) *
                       Sigmoid(d3, p.mu_rho3, p.tau_rho3);
    }
  }
  std::vector<double> lambda(n), next(n);
  for (size_t t = 0; t < n; ++t) lambda[t] = sel[t].gamma;
  for (int it = 0; it < p.relaxation_iterations && n > 1; ++it) {
    for (size_t t = 0; t < n; ++t) {
      double sum = 0;
      for (size_t k = 0; k < n; ++k) sum += rho[t * n + k] * lambda[k];
      next[t] = p.w_r * lambda[t] + (1 - p.w_r) * sum / static_cast<double>(n - 1);
    }
    lambda.swap(next);
  }
  // The np pairs with the best efficiency (relaxed / initial similarity).
  std::vector<size_t> order(n);
  for (size_t t = 0; t < n; ++t) order[t] = t;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return lambda[x] / sel[x].gamma > lambda[y] / sel[y].gamma;
  });
  const size_t take = std::min(n, static_cast<size_t>(np));
  double sum = 0;
  for (size_t q = 0; q < take; ++q) {
    const size_t t = order[q];
    sum += lambda[t];
    r.pairs.push_back({a.cylinders[sel[t].i].minutia, b.cylinders[sel[t].j].minutia,
                       static_cast<float>(lambda[t])});
  }
  r.score = std::clamp(sum / np, 0.0, 1.0);
  return r;
}

MatchResult CompareFingers(const FingerTemplate& a, const FingerTemplate& b, const MccParams& params) {
  return CompareMcc(BuildMcc(a, params), BuildMcc(b, params));
}

}  // namespace candor::finger
