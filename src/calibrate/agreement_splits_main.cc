// Copyright 2026 The Candor Authors.
//
// candor-agreement-splits: does in-gallery calibration predict labelled
// non-mated truth over many identity splits, and are its intervals right?
// (issue 10 item 2; results in docs/ACCURACY.md, "In-gallery calibration
// against labelled truth").
//
//   candor-agreement-splits --embeddings FILE --duplicate-score 0.710 [--splits 200]
//       [--truth-keeps-duplicates] [--json-out F]
//
// The protocol of `candor eval gallery-calibration` (calibrate/gallery_agreement.h)
// repeated on `--splits` identity splits (the first with the eval identify
// seed, then "agreement-split-<i>"), with exact float scores over one image per
// identity (the first usable one) instead of a store: per split, the gallery
// side's in-gallery searches (best candidate below the duplicate score, its
// own image excluded) go through Calibration::Build with their best-candidate
// links, the threshold for each target FPIR comes from it, and the truth is
// the other side's images against the gallery (probes reaching the duplicate
// score excluded, as the calibration excludes such pairs). Reported per
// target: the mean predicted and measured FPIR, the spread of their
// difference over splits, the mean design effect, and how often the 95 %
// interval of the difference contains 0, with the cluster-robust prediction
// variance and with independent searches. --truth-keeps-duplicates runs the
// protocol as it was before the fix (the truth counting probable duplicates);
// --duplicate-score 2 excludes nothing on either side. Errors: printed; exit 1.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "calibrate/embedding_set.h"
#include "calibrate/labelled_set.h"
#include "calibrate/stats.h"
#include "candor/calibration.h"
#include "common/file_util.h"

namespace {

using candor::Calibration;
using candor::CalibrationInput;

struct Tally {
  double pred = 0, truth = 0, diff = 0, diff2 = 0, deff = 0, log_ratio = 0;
  int agree = 0, agree_naive = 0, inside = 0, overlap = 0, n = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"In-gallery calibration against labelled truth over many identity splits"};
  std::string embeddings, json_out;
  int splits = 200;
  double dup = std::nan("");
  std::vector<double> targets = {0.1, 0.03, 0.01};
  bool truth_keeps_duplicates = false;
  app.add_option("--embeddings", embeddings, "Embedding cache of a labelled set")->required();
  app.add_option("--duplicate-score", dup, "Probable-duplicate score (eval gallery-calibration prints it)")
      ->required();
  app.add_option("--splits", splits, "Identity splits")->check(CLI::Range(1, 10000));
  app.add_option("--target-fpir", targets, "Target FPIRs");
  app.add_option("--json-out", json_out, "Write the result here");
  app.add_flag("--truth-keeps-duplicates", truth_keeps_duplicates,
               "The protocol before the fix: the truth counts probable duplicates as false positives");
  CLI11_PARSE(app, argc, argv);
  auto set = candor::eval::LoadEmbeddingSet(embeddings);
  if (!set.ok()) {
    std::cerr << set.status().ToString() << "\n";
    return 1;
  }
  // One image per identity: the first usable one.
  std::vector<std::string> ids;
  std::vector<const std::vector<float>*> rep;
  std::set<std::string> seen;
  for (const auto& e : set->images) {
    if (!e.ok || !seen.insert(e.identity).second) continue;
    ids.push_back(e.identity);
    rep.push_back(&e.v);
  }
  const std::size_t n = ids.size();
  if (n < 100) {
    std::cerr << "too few identities: " << n << "\n";
    return 1;
  }
  std::vector<float> score(n * n);  // all pairs once (n^2 floats: 130 MB for LFW)
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) {
      float s = 0;
      for (std::size_t d = 0; d < rep[i]->size(); ++d) s += (*rep[i])[d] * (*rep[j])[d];
      score[i * n + j] = score[j * n + i] = s;
    }
  }
  std::vector<Tally> tally(targets.size());
  nlohmann::json first_split = nlohmann::json::array();
  const double z = candor::stats::NormalQuantile(0.975);
  for (int sp = 0; sp < splits; ++sp) {
    const std::string seed = sp == 0 ? "candor-split-2026-11-22" : "agreement-split-" + std::to_string(sp);
    std::vector<std::size_t> g, p;
    for (std::size_t i = 0; i < n; ++i) {
      const auto side = candor::eval::SplitByIdentity({ids[i]}, 0.5, seed);
      (side.calibration.empty() ? p : g).push_back(i);
    }
    CalibrationInput in;
    in.model_id = set->model_id;
    in.model_sha256 = set->model_sha256;
    for (std::size_t a = 0; a < g.size(); ++a) {
      double best = std::nan("");
      std::size_t best_j = a;
      for (std::size_t b = 0; b < g.size(); ++b) {
        const float s = score[g[a] * n + g[b]];
        if (b == a || s >= dup) continue;
        if (std::isnan(best) || s > best) best = s, best_j = b;
        if (b > a && a < 500) in.impostor_scores.push_back(s);  // FMR is not used here
      }
      in.nonmated_top_scores.push_back(best);
      in.nonmated_top_self.push_back(a);
      in.nonmated_top_best.push_back(best_j);
    }
    in.nonmated_top_gallery_size = g.size() - 1;
    auto cal = Calibration::Build(in);
    if (!cal.ok()) {
      std::cerr << cal.status().ToString() << "\n";
      return 1;
    }
    std::vector<double> truth;
    for (std::size_t q : p) {
      double best = -2;
      for (std::size_t b : g) best = std::max(best, double(score[q * n + b]));
      if (best < dup || truth_keeps_duplicates) truth.push_back(best);  // else a probable duplicate
    }
    const double nt = static_cast<double>(truth.size()), ns = static_cast<double>(g.size());
    for (std::size_t k = 0; k < targets.size(); ++k) {
      auto d = cal->ThresholdForFpir(targets[k], g.size() - 1);
      if (!d.ok()) continue;
      const double t = d->threshold, pv = d->rate.value;
      double hits = 0;
      for (double s : truth) hits += s >= t ? 1 : 0;
      const double mv = hits / nt, deff = cal->FpirDesignEffect(t);
      const auto ci = candor::stats::Wilson(static_cast<uint64_t>(hits), truth.size());
      const double var_p = std::max(pv * (1 - pv), 1 / ns) / ns;
      const double var_t = std::max(mv * (1 - mv), 1 / nt) / nt;
      Tally& x = tally[k];
      x.pred += pv;
      x.truth += mv;
      x.diff += mv - pv;
      x.diff2 += (mv - pv) * (mv - pv);
      x.deff += deff;
      x.log_ratio += std::log(std::max(mv, 1e-9) / std::max(pv, 1e-9));
      x.agree += std::fabs(mv - pv) <= z * std::sqrt(deff * var_p + var_t);
      x.agree_naive += std::fabs(mv - pv) <= z * std::sqrt(var_p + var_t);
      x.inside += mv >= d->rate.lower && mv <= d->rate.upper;
      x.overlap += ci.lower <= d->rate.upper && d->rate.lower <= ci.upper;
      x.n += 1;
      if (sp == 0) {
        first_split.push_back({{"target_fpir", targets[k]}, {"threshold", t}, {"predicted", pv},
                               {"predicted_lower95", d->rate.lower}, {"predicted_upper95", d->rate.upper},
                               {"design_effect", deff}, {"measured", mv}, {"measured_lower95", ci.lower},
                               {"measured_upper95", ci.upper}, {"gallery", g.size()},
                               {"truth_searches", truth.size()}, {"truth_duplicates", p.size() - truth.size()}});
      }
    }
  }
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const Tally& x = tally[k];
    if (x.n == 0) continue;
    const double m = x.diff / x.n;
    rows.push_back({{"target_fpir", targets[k]},
                    {"splits", x.n},
                    {"mean_predicted", x.pred / x.n},
                    {"mean_measured", x.truth / x.n},
                    {"mean_difference", m},
                    {"sd_difference", x.n > 1 ? std::sqrt(std::max(0.0, (x.diff2 - x.n * m * m) / (x.n - 1))) : 0.0},
                    {"geomean_ratio", std::exp(x.log_ratio / x.n)},
                    {"mean_design_effect", x.deff / x.n},
                    {"difference_interval_contains_0", x.agree},
                    {"same_with_independent_searches", x.agree_naive},
                    {"truth_inside_predicted_interval", x.inside},
                    {"intervals_overlap", x.overlap}});
  }
  nlohmann::json out = {{"command", "candor-agreement-splits"}, {"settings", set->settings},
                        {"truth_keeps_duplicates", truth_keeps_duplicates},
                        {"identities", n}, {"duplicate_score", dup}, {"first_split", first_split},
                        {"over_splits", rows}};
  std::cout << out.dump(1) << "\n";
  if (!json_out.empty()) {
    if (auto s = candor::WriteFileAtomic(json_out, out.dump(1)); !s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 1;
    }
  }
  return 0;
}
