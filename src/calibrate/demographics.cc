// Copyright 2026 The Candor Authors.

#include "candor/demographics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <unordered_map>

#include "calibrate/stats.h"

namespace candor::metrics {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();

// A group's pairs re-indexed by dense identity index for fast resampling.
struct Indexed {
  std::vector<uint32_t> a, b;
  std::vector<uint8_t> genuine, accept;
  uint32_t identities = 0;
};

Indexed Index(const std::vector<LabelledPair>& pairs, double threshold) {
  Indexed x;
  std::unordered_map<int64_t, uint32_t> dense;
  auto id = [&](int64_t v) {
    auto [it, inserted] = dense.emplace(v, static_cast<uint32_t>(dense.size()));
    return it->second;
  };
  for (const LabelledPair& p : pairs) {
    x.a.push_back(id(p.identity_a));
    x.b.push_back(id(p.identity_b));
    x.genuine.push_back(p.genuine ? 1 : 0);
    x.accept.push_back(!std::isnan(p.score) && p.score >= threshold ? 1 : 0);
  }
  x.identities = static_cast<uint32_t>(dense.size());
  return x;
}

// Weighted FMR and FNMR for identity multiplicities w (all 1 = the point estimate).
std::pair<double, double> Rates(const Indexed& x, const std::vector<double>& w) {
  double fm = 0, im = 0, fnm = 0, gm = 0;
  for (std::size_t i = 0; i < x.a.size(); ++i) {
    if (x.genuine[i]) {
      const double wt = w[x.a[i]];
      gm += wt;
      fnm += x.accept[i] ? 0 : wt;
    } else {
      const double wt = w[x.a[i]] * w[x.b[i]];
      im += wt;
      fm += x.accept[i] ? wt : 0;
    }
  }
  return {im > 0 ? fm / im : kNan, gm > 0 ? fnm / gm : kNan};
}

double Percentile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double d) { return std::isnan(d); }), v.end());
  return v.empty() ? kNan : stats::Quantile(std::move(v), q);
}

Ratio MakeRatio(const std::vector<GroupRates>& groups, bool fmr,
                const std::vector<std::vector<double>>& reps) {
  Ratio r;
  std::vector<std::size_t> used;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double v = fmr ? groups[g].fmr.value : groups[g].fnmr.value;
    if (!groups[g].too_small && !std::isnan(v)) used.push_back(g);
  }
  if (used.size() < 2) {
    r.value = r.lower = r.upper = kNan;
    r.note = "fewer than two groups large enough to compare";
    return r;
  }
  auto value = [&](std::size_t g) { return fmr ? groups[g].fmr.value : groups[g].fnmr.value; };
  std::size_t gmax = used[0], gmin = used[0];
  for (std::size_t g : used) {
    if (value(g) > value(gmax)) gmax = g;
    if (value(g) < value(gmin)) gmin = g;
  }
  r.max_group = groups[gmax].group;
  r.min_group = groups[gmin].group;
  r.value = value(gmin) > 0 ? value(gmax) / value(gmin)
                            : (value(gmax) > 0 ? std::numeric_limits<double>::infinity() : 1.0);
  std::vector<double> ratios;
  std::size_t unbounded = 0;
  for (const auto& rep : reps) {  // rep[g] = this replicate's rate for group g
    double hi = -1, lo = std::numeric_limits<double>::infinity();
    for (std::size_t g : used) {
      if (std::isnan(rep[g])) continue;
      hi = std::max(hi, rep[g]);
      lo = std::min(lo, rep[g]);
    }
    if (hi < 0) continue;
    if (lo > 0) {
      ratios.push_back(hi / lo);
    } else {
      ratios.push_back(hi > 0 ? std::numeric_limits<double>::infinity() : 1.0);
      unbounded += hi > 0 ? 1 : 0;
    }
  }
  std::sort(ratios.begin(), ratios.end());
  auto pct = [&](double q) {
    if (ratios.empty()) return kNan;
    const std::size_t i = std::min(ratios.size() - 1,
                                   static_cast<std::size_t>(std::floor(q * (ratios.size() - 1))));
    return ratios[i];
  };
  r.lower = pct(0.025);
  r.upper = pct(0.975);
  if (std::isinf(r.value)) {
    r.note = "the lowest group had no errors at this threshold: the ratio is unbounded";
  } else if (unbounded > 0) {
    r.note = std::to_string(unbounded) + " bootstrap replicates had a group with no errors "
                                         "(ratio unbounded in those)";
  }
  return r;
}

}  // namespace

StatusOr<DifferentialReport> ComputeDifferentials(
    const std::map<std::string, std::vector<LabelledPair>>& by_group, double threshold,
    const DifferentialOptions& opt) {
  if (by_group.empty()) return InvalidArgumentError("no groups");
  if (opt.bootstrap_replicates < 10) return InvalidArgumentError("need >= 10 bootstrap replicates");
  DifferentialReport report;
  report.threshold = threshold;
  report.bootstrap_replicates = opt.bootstrap_replicates;
  std::vector<Indexed> indexed;
  for (const auto& [name, pairs] : by_group) {
    Indexed x = Index(pairs, threshold);
    GroupRates g;
    g.group = name;
    g.identities = x.identities;
    std::vector<double> ones(x.identities, 1.0);
    auto [fmr, fnmr] = Rates(x, ones);
    g.fmr.value = fmr;
    g.fnmr.value = fnmr;
    for (std::size_t i = 0; i < x.a.size(); ++i) {
      if (x.genuine[i]) {
        ++g.fnmr.trials;
        g.fnmr.errors += x.accept[i] ? 0 : 1;
      } else {
        ++g.fmr.trials;
        g.fmr.errors += x.accept[i] ? 1 : 0;
      }
    }
    if (x.identities < opt.min_identities) {
      g.too_small = true;
      g.note = std::to_string(x.identities) + " identities (< " +
               std::to_string(opt.min_identities) + "): too few to conclude";
    } else if (g.fmr.trials == 0 || g.fnmr.trials == 0) {
      g.too_small = true;
      g.note = "no within-group impostor or no genuine pairs";
    }
    report.groups.push_back(g);
    indexed.push_back(std::move(x));
  }
  std::mt19937_64 rng(opt.seed);
  const std::size_t ng = indexed.size();
  std::vector<std::vector<double>> rep_fmr(opt.bootstrap_replicates, std::vector<double>(ng, kNan));
  std::vector<std::vector<double>> rep_fnmr = rep_fmr;
  for (int r = 0; r < opt.bootstrap_replicates; ++r) {
    for (std::size_t g = 0; g < ng; ++g) {
      const Indexed& x = indexed[g];
      if (x.identities == 0) continue;
      std::vector<double> w(x.identities, 0.0);
      std::uniform_int_distribution<uint32_t> pick(0, x.identities - 1);
      for (uint32_t i = 0; i < x.identities; ++i) w[pick(rng)] += 1;
      auto [fmr, fnmr] = Rates(x, w);
      rep_fmr[r][g] = fmr;
      rep_fnmr[r][g] = fnmr;
    }
  }
  for (std::size_t g = 0; g < ng; ++g) {
    std::vector<double> f, n;
    for (int r = 0; r < opt.bootstrap_replicates; ++r) {
      f.push_back(rep_fmr[r][g]);
      n.push_back(rep_fnmr[r][g]);
    }
    report.groups[g].fmr.lower = Percentile(f, 0.025);
    report.groups[g].fmr.upper = Percentile(f, 0.975);
    report.groups[g].fnmr.lower = Percentile(n, 0.025);
    report.groups[g].fnmr.upper = Percentile(n, 0.975);
  }
  report.fmr_ratio = MakeRatio(report.groups, true, rep_fmr);
  report.fnmr_ratio = MakeRatio(report.groups, false, rep_fnmr);
  return report;
}

}  // namespace candor::metrics
