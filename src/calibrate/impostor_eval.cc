// Copyright 2026 The Candor Authors.

#include "calibrate/impostor_eval.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "candor/calibration.h"
#include "candor/demographics.h"

namespace candor::eval {
namespace {

using Json = nlohmann::json;
using Pairs = std::vector<metrics::LabelledPair>;
constexpr uint64_t kMinIdentities = 30;  // fewer: reported, "too few to conclude"

struct Item {
  const std::vector<float>* v;
  int64_t identity;
};

// The usable images of one half, and each identity's name.
struct Half {
  std::vector<Item> items;
  std::vector<std::string> names;  // by identity index
};

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

// Impostor pairs among `members` (item indices): all when few, else a uniform sample.
Pairs ImpostorPairs(const Half& h, const std::vector<std::size_t>& members, std::size_t max,
                    std::mt19937_64& rng) {
  Pairs out;
  const std::size_t m = members.size();
  auto add = [&](std::size_t i, std::size_t j) {
    const Item& a = h.items[members[i]];
    const Item& b = h.items[members[j]];
    if (a.identity != b.identity) out.push_back({Dot(*a.v, *b.v), false, a.identity, b.identity});
  };
  if (m < 2) return out;
  if (m * (m - 1) / 2 <= max) {
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = i + 1; j < m; ++j) add(i, j);
    }
    return out;
  }
  std::uniform_int_distribution<std::size_t> pick(0, m - 1);
  for (std::size_t tries = 0; out.size() < max && tries < 4 * max; ++tries) {
    const std::size_t i = pick(rng), j = pick(rng);
    if (i != j) add(i, j);
  }
  return out;
}

// The threshold for `target` calibrated on `pairs`, or the reason there is none.
std::pair<std::optional<double>, std::string> ThresholdOn(const Pairs& pairs,
                                                          const EmbeddingSet& set, double target) {
  CalibrationInput in;
  in.model_id = set.model_id;
  in.model_sha256 = set.model_sha256;
  for (const auto& p : pairs) in.impostor_scores.push_back(p.score);
  auto c = Calibration::Build(in);
  if (!c.ok()) return {std::nullopt, c.status().message()};
  auto t = c->ThresholdForFmr(target);
  if (!t.ok()) return {std::nullopt, t.status().message()};
  return {t->threshold, ""};
}

// identity name -> group of `attribute` (a joint attribute joins its parts with '|').
std::map<std::string, std::string> GroupsOf(const GroupLabels& labels,
                                            const std::string& attribute) {
  auto it = labels.by_attribute.find(attribute);
  if (it != labels.by_attribute.end()) return it->second;
  std::map<std::string, std::string> joint;  // every attribute, identities labelled for all
  bool first = true;
  for (const auto& [attr, groups] : labels.by_attribute) {
    std::map<std::string, std::string> next;
    for (const auto& [id, g] : groups) {
      if (first)
        next[id] = g;
      else if (auto j = joint.find(id); j != joint.end())
        next[id] = j->second + "|" + g;
    }
    joint = std::move(next);
    first = false;
  }
  return joint;
}

// Item indices of `h` per group of `group_of`.
std::map<std::string, std::vector<std::size_t>> Members(
    const Half& h, const std::map<std::string, std::string>& group_of) {
  std::map<std::string, std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < h.items.size(); ++i) {
    auto g = group_of.find(h.names[h.items[i].identity]);
    if (g != group_of.end()) out[g->second].push_back(i);
  }
  return out;
}

Json RateJson(const metrics::GroupRates& g, double target) {
  auto num = [](double x) { return std::isfinite(x) ? Json(x) : Json(); };
  return {{"group", g.group},
          {"identities", g.identities},
          {"fmr", num(g.fmr.value)},
          {"fmr_ci", {num(g.fmr.lower), num(g.fmr.upper)}},
          {"false_matches", g.fmr.errors},
          {"pairs", g.fmr.trials},
          {"times_target", num(g.fmr.value / target)},
          // Only impostor pairs here: demographics.h's "no genuine pairs" does not apply.
          {"too_small", g.identities < kMinIdentities}};
}

struct Threshold {
  std::string kind;
  std::optional<double> value;
  std::string note;
};

// One attribute: its thresholds from the calibration half, its rates on the evaluation half.
StatusOr<Json> AttributeJson(const EmbeddingSet& set, const Half& cal, const Half& ev,
                             const std::string& attribute, const GroupLabels& labels,
                             const ImpostorEvalOptions& o, std::mt19937_64& rng) {
  const auto group_of = GroupsOf(labels, attribute);
  const auto cal_members = Members(cal, group_of), ev_members = Members(ev, group_of);
  std::vector<Threshold> thresholds;
  if (o.model_threshold)
    thresholds.push_back({"model", o.model_threshold, o.model_threshold_source});
  std::vector<std::size_t> all_cal(cal.items.size());
  std::iota(all_cal.begin(), all_cal.end(), std::size_t{0});
  auto pooled = ThresholdOn(ImpostorPairs(cal, all_cal, o.max_pairs, rng), set, o.target_fmr);
  thresholds.push_back({"pooled", pooled.first, pooled.second});
  Threshold worst{"worst-group", std::nullopt, ""};
  for (const auto& [group, members] : cal_members) {
    auto t = ThresholdOn(ImpostorPairs(cal, members, o.max_pairs, rng), set, o.target_fmr);
    if (!t.first) {
      worst.note += (worst.note.empty() ? "" : "; ") + group + ": " + t.second;
      continue;
    }
    worst.value = std::max(worst.value.value_or(-1.0), *t.first);
  }
  thresholds.push_back(worst);

  std::map<std::string, Pairs> by_group;
  std::vector<std::size_t> all_ev(ev.items.size());
  std::iota(all_ev.begin(), all_ev.end(), std::size_t{0});
  by_group["random (all pairs)"] = ImpostorPairs(ev, all_ev, o.max_pairs, rng);
  Pairs& same = by_group["same " + attribute + " (pooled)"];
  for (const auto& [group, members] : ev_members) {
    Pairs p = ImpostorPairs(ev, members, o.max_pairs, rng);
    same.insert(same.end(), p.begin(), p.end());
    by_group[group] = std::move(p);
  }
  Json rows = Json::array();
  for (const Threshold& t : thresholds) {
    Json row = {{"threshold_kind", t.kind}, {"note", t.note}, {"threshold", Json()}};
    if (t.value) {
      metrics::DifferentialOptions d;
      d.bootstrap_replicates = o.bootstrap;
      d.seed = o.seed;
      d.min_identities = kMinIdentities;
      CANDOR_ASSIGN_OR_RETURN(auto diff, metrics::ComputeDifferentials(by_group, *t.value, d));
      row["threshold"] = *t.value;
      row["groups"] = Json::array();
      for (const auto& g : diff.groups) row["groups"].push_back(RateJson(g, o.target_fmr));
    }
    rows.push_back(std::move(row));
  }
  return Json{{"identities_labelled", group_of.size()}, {"rows", rows}};
}

// The set's usable images, split by identity into the two halves.
std::pair<Half, Half> SplitHalves(const EmbeddingSet& set, const ImpostorEvalOptions& o) {
  std::set<std::string> ids;
  for (const auto& e : set.images) {
    if (e.ok) ids.insert(e.identity);
  }
  const IdentitySplit split = SplitByIdentity(ids, o.calibration_fraction, o.split_seed);
  Half cal, ev;
  std::map<std::string, int64_t> cal_index, ev_index;
  for (const auto& e : set.images) {
    if (!e.ok) continue;
    const bool in_cal = split.calibration.count(e.identity) > 0;
    Half& h = in_cal ? cal : ev;
    auto& index = in_cal ? cal_index : ev_index;
    auto [it, added] = index.emplace(e.identity, static_cast<int64_t>(h.names.size()));
    if (added) h.names.push_back(e.identity);
    h.items.push_back({&e.v, it->second});
  }
  return {std::move(cal), std::move(ev)};
}

}  // namespace

StatusOr<Json> RunImpostorEvaluation(const EmbeddingSet& set, const GroupLabels& labels,
                                     const ImpostorEvalOptions& o) {
  auto [cal, ev] = SplitHalves(set, o);
  std::size_t labelled = 0;
  for (const auto& [attr, groups] : labels.by_attribute) {
    for (const auto& name : cal.names) labelled += groups.count(name);
    for (const auto& name : ev.names) labelled += groups.count(name);
  }
  if (labelled == 0) return InvalidArgumentError("no group label names an identity of this set");
  if (cal.items.size() < 15 || ev.items.size() < 15) {
    return InvalidArgumentError("too few usable images for 100 impostor pairs in each half");
  }
  std::mt19937_64 rng(o.seed);
  Json out = {{"target_fmr", o.target_fmr},
              {"split_seed", o.split_seed},
              {"counts",
               {{"calibration_identities", cal.names.size()},
                {"calibration_images", cal.items.size()},
                {"evaluation_identities", ev.names.size()},
                {"evaluation_images", ev.items.size()}}},
              {"attributes", Json::object()},
              {"notes", labels.notes}};
  std::vector<std::string> attributes;
  for (const auto& [attr, groups] : labels.by_attribute) attributes.push_back(attr);
  if (attributes.size() >= 2) attributes.push_back("joint");
  for (const auto& attr : attributes) {
    CANDOR_ASSIGN_OR_RETURN(out["attributes"][attr],
                            AttributeJson(set, cal, ev, attr, labels, o, rng));
  }
  return out;
}

}  // namespace candor::eval
