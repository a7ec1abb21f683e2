// Copyright 2026 The Candor Authors.

#include "calibrate/template_fusion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "calibrate/labelled_set.h"
#include "calibrate/stats.h"
#include "candor/subject_score.h"
#include "common/hash.h"

namespace candor::eval {
namespace {

using Json = nlohmann::json;
using Pool = std::vector<const EmbeddedImage*>;
using ById = std::map<std::string, std::vector<std::size_t>>;  // usable pool indices, by path

enum class Rule { kOne, kMax, kCentroid, kMaxCentroid };
constexpr Rule kRules[] = {Rule::kOne, Rule::kMax, Rule::kCentroid, Rule::kMaxCentroid};
const char* RuleName(Rule r) {
  switch (r) {
    case Rule::kOne: return "one template";
    case Rule::kMax: return "two templates, max (store rule \"max\")";
    case Rule::kCentroid: return "two templates, centroid (store rule \"centroid\")";
    case Rule::kMaxCentroid: return "two templates, max of best and centroid";
  }
  return "";
}

struct Side {
  std::vector<std::vector<std::size_t>> subjects;  // pool indices of each subject's templates
  std::size_t base = 0;                            // [0, base): enrolled identities; then distractors
  std::vector<std::size_t> mated;
  std::vector<int> mate;               // subject of each mated search
  std::vector<std::string> mated_id;   // identity (bootstrap cluster)
  std::vector<std::size_t> nonmated;
};

Side MakeSide(const Pool& pool, const ById& by_id, const std::set<std::string>& ids, int templates,
              std::size_t max_nonmated) {
  Side s;
  std::vector<std::pair<std::string, std::size_t>> singles;
  for (const auto& id : ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) continue;
    const auto& ok = it->second;
    if (ok.size() >= 2) {
      const int subj = static_cast<int>(s.subjects.size());
      s.subjects.emplace_back(ok.begin(), ok.begin() + std::min<std::size_t>(templates, ok.size()));
      for (std::size_t k = 2; k < ok.size(); ++k) {
        s.mated.push_back(ok[k]);
        s.mate.push_back(subj);
        s.mated_id.push_back(id);
      }
    } else if (ok.size() == 1) {
      singles.emplace_back(HexDigest(Sha256("nonmated\n" + id)), ok[0]);
    }
  }
  std::sort(singles.begin(), singles.end());
  s.base = s.subjects.size();
  for (std::size_t k = 0; k < singles.size(); ++k) {
    if (k < max_nonmated) {
      s.nonmated.push_back(singles[k].second);
    } else {
      s.subjects.push_back({singles[k].second});
    }
  }
  return s;
}

// One search's outcome: the mate's score and the best other subject's (mated),
// or the best subject's score (non-mated); over the enrolled subjects only
// ("base") and with the distractors ("full").
struct Stat {
  float mate = 0, other_base = -2, other_full = -2;
};

// Scores every search of `s` under `rule`. `skip` marks subjects left out.
struct Scored {
  std::vector<Stat> mated;
  std::vector<float> top_base, top_full;
};

Scored Score(const Pool& pool, const Side& s, Rule rule, const std::vector<bool>& skip) {
  std::vector<std::vector<std::vector<float>>> reps(s.subjects.size());
  for (std::size_t j = 0; j < s.subjects.size(); ++j) {
    std::vector<std::vector<float>> t;
    for (std::size_t i : s.subjects[j]) t.push_back(pool[i]->v);
    if (rule == Rule::kOne) t.resize(1);
    reps[j] = std::move(t);
  }
  auto subject_score = [&](const std::vector<float>& p, std::size_t j) {
    switch (rule) {
      case Rule::kOne:
      case Rule::kMax: return SubjectScore(p, reps[j], kSubjectScoreMax);
      case Rule::kCentroid: return SubjectScore(p, reps[j], kSubjectScoreCentroid);
      case Rule::kMaxCentroid:
        return std::max(SubjectScore(p, reps[j], kSubjectScoreMax),
                        SubjectScore(p, reps[j], kSubjectScoreCentroid));
    }
    return -2.0f;
  };
  Scored out;
  auto scan = [&](std::size_t probe, int mate, Stat& st) {
    const std::vector<float>& p = pool[probe]->v;
    for (std::size_t j = 0; j < s.subjects.size(); ++j) {
      if (skip[j]) continue;
      const float x = subject_score(p, j);
      if (static_cast<int>(j) == mate) {
        st.mate = x;
        continue;
      }
      if (j < s.base) st.other_base = std::max(st.other_base, x);
      st.other_full = std::max(st.other_full, x);
    }
  };
  for (std::size_t r = 0; r < s.mated.size(); ++r) {
    Stat st;
    scan(s.mated[r], s.mate[r], st);
    out.mated.push_back(st);
  }
  for (std::size_t probe : s.nonmated) {
    Stat st;
    scan(probe, -1, st);
    out.top_base.push_back(st.other_base);
    out.top_full.push_back(st.other_full);
  }
  return out;
}

// The lowest threshold with FPIR <= target on these top scores.
float ThresholdFor(std::vector<float> tops, double target) {
  std::sort(tops.begin(), tops.end(), std::greater<float>());
  const std::size_t allowed = static_cast<std::size_t>(std::floor(target * tops.size() + 1e-9));
  if (allowed >= tops.size()) return -std::numeric_limits<float>::infinity();
  return std::nextafter(tops[allowed], std::numeric_limits<float>::infinity());
}

double Fnir(const std::vector<Stat>& mated, const std::vector<std::size_t>& pick, bool full, float t) {
  std::size_t miss = 0;
  for (std::size_t i : pick) {
    const Stat& m = mated[i];
    const float other = full ? m.other_full : m.other_base;
    miss += (m.mate >= t && m.mate > other) ? 0 : 1;
  }
  return pick.empty() ? 0.0 : double(miss) / double(pick.size());
}

double Fpir(const std::vector<float>& tops, float t) {
  std::size_t n = 0;
  for (float x : tops) n += x >= t ? 1 : 0;
  return tops.empty() ? 0.0 : double(n) / double(tops.size());
}

std::vector<std::size_t> All(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

// Rows for every rule and both columns of one protocol, with bootstrap
// intervals (paired across rules) and, when `cal` is given, the thresholds
// calibrated on it applied here.
Json Rows(const std::string& protocol, const std::map<Rule, Scored>& eval,
          const std::map<Rule, Scored>* cal, const Side& side, std::size_t distractors,
          const TemplateFusionOptions& o) {
  // Clusters of mated searches by identity.
  std::map<std::string, std::vector<std::size_t>> clusters;
  for (std::size_t i = 0; i < side.mated_id.size(); ++i) clusters[side.mated_id[i]].push_back(i);
  std::vector<std::vector<std::size_t>> groups;
  for (auto& [id, v] : clusters) groups.push_back(v);
  const std::size_t nn = eval.begin()->second.top_base.size();
  std::mt19937_64 rng(o.seed);
  std::map<std::pair<Rule, bool>, std::vector<double>> boot, diff;
  for (int b = 0; b < o.bootstrap; ++b) {
    std::vector<std::size_t> pick, nonm;
    std::uniform_int_distribution<std::size_t> g(0, groups.size() - 1), n(0, nn - 1);
    for (std::size_t k = 0; k < groups.size(); ++k) {
      const auto& grp = groups[g(rng)];
      pick.insert(pick.end(), grp.begin(), grp.end());
    }
    for (std::size_t k = 0; k < nn; ++k) nonm.push_back(n(rng));
    for (bool full : {false, true}) {
      std::map<Rule, double> f;
      for (const auto& [rule, sc] : eval) {
        std::vector<float> tops;
        for (std::size_t k : nonm) tops.push_back(full ? sc.top_full[k] : sc.top_base[k]);
        f[rule] = Fnir(sc.mated, pick, full, ThresholdFor(tops, o.target_fpir));
        boot[{rule, full}].push_back(f[rule]);
      }
      for (const auto& [rule, v] : f) diff[{rule, full}].push_back(v - f[Rule::kMax]);
    }
  }
  Json rows = Json::array();
  for (const auto& [rule, sc] : eval) {
    for (bool full : {false, true}) {
      if (full && distractors == 0) continue;
      const auto& tops = full ? sc.top_full : sc.top_base;
      const float t = ThresholdFor(tops, o.target_fpir);
      const auto all = All(sc.mated.size());
      std::size_t rank1 = 0;
      for (const Stat& m : sc.mated) rank1 += m.mate > (full ? m.other_full : m.other_base) ? 1 : 0;
      const Scored& mx = eval.at(Rule::kMax);
      const double fnir_max =
          Fnir(mx.mated, all, full, ThresholdFor(full ? mx.top_full : mx.top_base, o.target_fpir));
      Json r = {{"protocol", protocol},
                {"rule", RuleName(rule)},
                {"with_distractors", full},
                {"subjects", side.base},
                {"distractors", full ? distractors : 0},
                {"mated", sc.mated.size()},
                {"mated_identities", groups.size()},
                {"nonmated", tops.size()},
                {"threshold", t},
                {"fpir", Fpir(tops, t)},
                {"fnir", Fnir(sc.mated, all, full, t)},
                {"fnir_ci", {Percentile(boot[{rule, full}], 0.025), Percentile(boot[{rule, full}], 0.975)}},
                {"fnir_minus_max", Fnir(sc.mated, all, full, t) - fnir_max},
                {"fnir_minus_max_ci",
                 {Percentile(diff[{rule, full}], 0.025), Percentile(diff[{rule, full}], 0.975)}},
                {"rank1", double(rank1) / double(std::max<std::size_t>(1, sc.mated.size()))}};
      if (cal) {
        const Scored& c = cal->at(rule);
        const float tc = ThresholdFor(full ? c.top_full : c.top_base, o.target_fpir);
        const std::size_t fp = static_cast<std::size_t>(std::llround(Fpir(tops, tc) * tops.size()));
        const stats::Interval ci = stats::Wilson(fp, tops.size());
        r["calibrated_threshold"] = tc;
        r["fnir_at_calibrated"] = Fnir(sc.mated, all, full, tc);
        r["fpir_at_calibrated"] = Fpir(tops, tc);
        r["fpir_at_calibrated_ci"] = {ci.lower, ci.upper};
      }
      rows.push_back(r);
    }
  }
  return rows;
}

// Usable pool indices by identity, each identity's in path order.
ById Index(const Pool& pool) {
  ById by;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    if (pool[i]->ok) by[pool[i]->identity].push_back(i);
  }
  for (auto& [id, v] : by) {
    std::sort(v.begin(), v.end(), [&](std::size_t a, std::size_t b) { return pool[a]->path < pool[b]->path; });
  }
  return by;
}

}  // namespace

StatusOr<Json> RunTemplateFusion(const EmbeddingSet& lfw, const EmbeddingSet* wild,
                                 const TemplateFusionOptions& o) {
  if (wild && (wild->model_id != lfw.model_id || wild->model_sha256 != lfw.model_sha256)) {
    return InvalidArgumentError("the in-the-wild embeddings come from another model");
  }
  Pool pool;
  for (const auto& e : lfw.images) pool.push_back(&e);
  const ById lfw_by = Index(pool);
  std::set<std::string> ids;
  for (const auto& e : lfw.images) ids.insert(e.identity);
  const IdentitySplit split = SplitByIdentity(ids, o.calibration_fraction, o.split_seed);
  Json report;
  report["model"] = {{"id", lfw.model_id}, {"sha256", lfw.model_sha256}, {"settings", lfw.settings}};
  report["notes"] = Json::array();
  if (o.nonmated_from_calibration_side) {
    report["notes"].push_back(
        "non-mated searches of the evaluation side include every single-image identity of the "
        "calibration side; the calibrated-threshold columns measure FPIR partly on photos whose "
        "scores against the calibration gallery set that threshold");
  }
  std::map<Rule, Scored> eval, cal;
  std::map<Rule, Side> eval_side;
  for (Rule rule : kRules) {
    const int templates = rule == Rule::kOne ? 1 : 2;
    Side e = MakeSide(pool, lfw_by, split.evaluation, templates, o.max_nonmated);
    const Side c = MakeSide(pool, lfw_by, split.calibration, templates, o.max_nonmated);
    if (o.nonmated_from_calibration_side) {
      // Every single-image identity of the calibration side: its non-mated
      // searches and its distractors (one template each, after `base`).
      e.nonmated.insert(e.nonmated.end(), c.nonmated.begin(), c.nonmated.end());
      for (std::size_t j = c.base; j < c.subjects.size(); ++j)
        e.nonmated.push_back(c.subjects[j][0]);
    }
    if (e.base < 10 || e.mated.size() < 10 || e.nonmated.size() < 10 || c.nonmated.size() < 10) {
      return InvalidArgumentError("too few identities for the several-templates protocol");
    }
    eval[rule] = Score(pool, e, rule, std::vector<bool>(e.subjects.size(), false));
    cal[rule] = Score(pool, c, rule, std::vector<bool>(c.subjects.size(), false));
    eval_side.emplace(rule, e);
  }
  const Side& es = eval_side.at(Rule::kMax);
  report["lfw"] = {{"rows", Rows("LFW evaluation identities, searches = images 3..", eval, &cal, es,
                                 es.subjects.size() - es.base, o)},
                   {"calibration_identities", split.calibration.size()},
                   {"evaluation_identities", split.evaluation.size()}};
  if (!wild) {
    report["wild"] = nullptr;
    return report;
  }
  // In the wild: its identities join the LFW evaluation gallery.
  Pool wpool = pool;
  for (const auto& e : wild->images) wpool.push_back(&e);
  ById wild_by;
  {
    Pool only;
    for (const auto& e : wild->images) only.push_back(&e);
    const ById by = Index(only);
    for (const auto& [id, v] : by) {
      for (std::size_t i : v) wild_by[id].push_back(i + pool.size());
    }
  }
  std::map<Rule, Scored> wild_scored;
  Side wild_side;
  std::size_t dropped = 0, wild_ids = 0;
  for (Rule rule : kRules) {
    Side s = eval_side.at(rule);
    std::vector<std::size_t> mated;
    std::vector<int> mate;
    std::vector<std::string> mid;
    std::vector<std::vector<std::size_t>> wild_subjects;
    for (const auto& [id, v] : wild_by) {
      if (v.size() < 3) continue;
      wild_subjects.emplace_back(v.begin(), v.begin() + (rule == Rule::kOne ? 1 : 2));
      for (std::size_t k = 2; k < v.size(); ++k) {
        mated.push_back(v[k]);
        mate.push_back(static_cast<int>(s.base + wild_subjects.size() - 1));
        mid.push_back("wild:" + id);
      }
    }
    wild_ids = wild_subjects.size();
    // Wild subjects go after the enrolled LFW subjects (before the distractors).
    s.subjects.insert(s.subjects.begin() + static_cast<std::ptrdiff_t>(s.base), wild_subjects.begin(),
                      wild_subjects.end());
    s.base += wild_subjects.size();
    s.mated = mated;
    s.mate = mate;
    s.mated_id = mid;
    // Probable duplicates: LFW subjects scoring >= duplicate_score with any image of a wild identity.
    std::vector<bool> skip(s.subjects.size(), false);
    dropped = 0;
    for (std::size_t j = 0; j < s.subjects.size(); ++j) {
      const bool is_wild = s.subjects[j].front() >= pool.size();
      if (is_wild) continue;
      for (const auto& [id, v] : wild_by) {
        for (std::size_t w : v) {
          for (std::size_t t : eval_side.at(Rule::kMax).subjects[j < s.base ? j : j - wild_subjects.size()]) {
            double d = 0;
            for (std::size_t k = 0; k < wpool[w]->v.size(); ++k) d += double(wpool[w]->v[k]) * wpool[t]->v[k];
            if (d >= o.duplicate_score) skip[j] = true;
          }
        }
      }
      dropped += skip[j] ? 1 : 0;
    }
    wild_scored[rule] = Score(wpool, s, rule, skip);
    if (rule == Rule::kMax) wild_side = s;
  }
  report["wild"] = {{"rows", Rows("in the wild: its identities' images 3.. against the LFW evaluation "
                                  "gallery plus its identities",
                                  wild_scored, nullptr, wild_side,
                                  wild_side.subjects.size() - wild_side.base, o)},
                    {"identities_enrolled", wild_ids},
                    {"lfw_subjects_left_out_as_probable_duplicates", dropped},
                    {"duplicate_score", o.duplicate_score}};
  return report;
}

}  // namespace candor::eval
