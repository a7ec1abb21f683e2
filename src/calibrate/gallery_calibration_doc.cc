// Copyright 2026 The Candor Authors.
//
// GalleryCalibration (include/candor/gallery_calibration.h): thresholds drawn
// from a stored in-gallery calibration, and its JSON document
// ("format": "candor-gallery-calibration", "version": 1; docs/EVALUATION.md).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>

#include "candor/gallery_calibration.h"

namespace candor {
namespace {

constexpr const char* kFormat = "candor-gallery-calibration";
constexpr int kVersion = 1;

// FPIR at n0 that corresponds to `target` at n (n > n0): searches of a gallery
// n/n0 times larger are treated as that many independent searches, which
// over-states FPIR when probes have their own score level (conservative).
double TargetAt(double target, double n0, double n) {
  if (n <= n0) return target;
  return -std::expm1(std::log1p(-target) * n0 / n);
}

double ScaleUp(double fpir, double n0, double n) {
  if (n <= n0) return fpir;
  return -std::expm1(std::log1p(-std::clamp(fpir, 0.0, 1.0)) * n / n0);
}

RateEstimate ScaledFpir(const Calibration& c, double score, int64_t n) {
  const double n0 = static_cast<double>(c.calibration_gallery_size());
  RateEstimate r = c.FpirAt(score, static_cast<uint64_t>(std::min<double>(n, n0)));
  if (n > n0) {
    r.value = ScaleUp(r.value, n0, double(n));
    r.lower = ScaleUp(r.lower, n0, double(n));
    r.upper = ScaleUp(r.upper, n0, double(n));
    // The in-gallery searches ran at N - 1 (the probe's own entry excluded):
    // scaling by one entry is not an extrapolation; growth beyond it is.
    r.extrapolated = r.extrapolated || double(n) > n0 + 1;
  }
  return r;
}

StatusOr<ThresholdChoice> SideThreshold(const Calibration& c, double target, int64_t n) {
  const double n0 = static_cast<double>(c.calibration_gallery_size());
  CANDOR_ASSIGN_OR_RETURN(ThresholdChoice t,
                          c.ThresholdForFpir(TargetAt(target, n0, double(n)),
                                             c.calibration_gallery_size()));
  t.rate = ScaledFpir(c, t.threshold, n);
  return t;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// The reviewed outcomes as a third side: they raise the threshold only on
// evidence (FPIR above the target at their own score floor, so at every
// lower threshold too), never lower it, and say what they show at the
// threshold chosen.
void ApplyReviewed(const ReviewedOutcomes& r, const Calibration& pooled, double target, int64_t n,
                   ThresholdDecision& d) {
  const double n0 = static_cast<double>(r.min_gallery_subjects());
  auto scaled = [&](RateEstimate e) {
    if (double(n) > n0) {
      e.value = ScaleUp(e.value, n0, double(n));
      e.lower = ScaleUp(e.lower, n0, double(n));
      e.upper = ScaleUp(e.upper, n0, double(n));
      e.extrapolated = true;
    }
    return e;
  };
  const std::string what = "reviewed outcomes (" + r.Describe() + ")";
  auto t = r.ThresholdForFpir(TargetAt(target, n0, double(n)));
  if (!t.ok()) {
    d.notes.push_back(what + " cannot set a threshold for FPIR " + Num(target) + ": " +
                      t.status().message());
  } else {
    d.reviewed_threshold = t->threshold;
    if (t->threshold > r.score_floor() && t->threshold > d.threshold) {
      const RateEstimate at_floor = scaled(*r.FpirAt(r.score_floor()));
      d.notes.push_back(what + " show FPIR " + Num(at_floor.value) + " (95% " +
                        Num(at_floor.lower) + "-" + Num(at_floor.upper) + ") already at score " +
                        Num(r.score_floor()) + ", above the target " + Num(target) + ": the " +
                        d.deciding_side + " threshold " + Num(d.threshold) + " is raised to " +
                        Num(t->threshold) + ", where they meet it");
      d.threshold = t->threshold;
      d.rate = scaled(t->rate);
      d.deciding_side = "reviewed-outcomes";
      d.source = what + " with " + d.source;
    } else if (d.threshold < r.score_floor()) {
      d.notes.push_back(what + " meet the target at and above score " + Num(r.score_floor()) +
                        " and cannot speak for the lower threshold " + Num(d.threshold) +
                        " (no candidate below " + Num(r.score_floor()) + " was ever reviewed)");
    }
  }
  if (d.threshold >= r.score_floor()) {
    auto at = r.FpirAt(d.threshold);
    if (at.ok()) {
      const RateEstimate e = scaled(*at);
      d.reviewed_fpir = e;
      const double gf = ScaledFpir(pooled, d.threshold, n).value;
      if (std::min(gf, e.value) > 0) {
        d.reviewed_disagreement = std::max(gf, e.value) / std::min(gf, e.value);
      }
      if (e.lower > target) {
        d.notes.push_back("warning: " + what + " put FPIR at the chosen threshold at " +
                          Num(e.value) + " (95% " + Num(e.lower) + "-" + Num(e.upper) +
                          "), above the target " + Num(target) +
                          ", though too few searches to set a threshold for it");
      }
    }
  }
}

nlohmann::json CalJson(const std::optional<Calibration>& c) {
  return c ? nlohmann::json::parse(c->ToJson()) : nlohmann::json(nullptr);
}

StatusOr<std::optional<Calibration>> CalFromJson(const nlohmann::json& j) {
  if (j.is_null()) return std::optional<Calibration>();
  CANDOR_ASSIGN_OR_RETURN(Calibration c, Calibration::FromJson(j.dump()));
  return std::optional<Calibration>(std::move(c));
}

nlohmann::json RateJson(const metrics::RateWithInterval& r) {
  return {{"value", r.value}, {"lower95", r.lower}, {"upper95", r.upper},
          {"errors", r.errors}, {"trials", r.trials}};
}

metrics::RateWithInterval RateFromJson(const nlohmann::json& j) {
  metrics::RateWithInterval r;
  r.value = j.at("value").is_null() ? std::nan("") : j.at("value").get<double>();
  r.lower = j.at("lower95").is_null() ? std::nan("") : j.at("lower95").get<double>();
  r.upper = j.at("upper95").is_null() ? std::nan("") : j.at("upper95").get<double>();
  r.errors = j.at("errors").get<uint64_t>();
  r.trials = j.at("trials").get<uint64_t>();
  return r;
}

}  // namespace

const char* ThresholdPolicyName(ThresholdPolicy p) {
  return p == ThresholdPolicy::kWorstGroup ? "worst-group" : "pooled";
}

StatusOr<ThresholdPolicy> ParseThresholdPolicy(const std::string& name) {
  if (name == "pooled") return ThresholdPolicy::kPooled;
  if (name == "worst-group") return ThresholdPolicy::kWorstGroup;
  return InvalidArgumentError("threshold policy must be 'pooled' or 'worst-group', not '" + name +
                              "'");
}

bool GalleryCalibration::Stale(int64_t n) const {
  return double(n) > double(gallery_subjects) * (1.0 + refresh_growth);
}

std::string GalleryCalibration::Describe() const {
  return "in-gallery calibration of " + created_at + " (gallery '" + gallery + "', N=" +
         std::to_string(gallery_subjects) + ", " + std::to_string(sampled_subjects) +
         " non-mated searches, " + std::to_string(duplicates_excluded) +
         " probable duplicate pairs excluded)";
}

RateEstimate GalleryCalibration::FpirAt(double score, int64_t n) const {
  if (!pooled) {
    RateEstimate r;
    r.value = std::nan("");
    return r;
  }
  // The highest of the estimates that can speak for this score: the one
  // that protects people, as thresholds are chosen.
  RateEstimate best = ScaledFpir(*pooled, score, n);
  if (probe_side) {
    RateEstimate p = ScaledFpir(*probe_side, score, n);
    if (p.value > best.value) best = p;
  }
  if (reviewed && score >= reviewed->score_floor()) {
    if (auto r = reviewed->FpirAt(score); r.ok()) {
      const double n0 = static_cast<double>(reviewed->min_gallery_subjects());
      RateEstimate e = *r;
      if (double(n) > n0) {
        e.value = ScaleUp(e.value, n0, double(n));
        e.lower = ScaleUp(e.lower, n0, double(n));
        e.upper = ScaleUp(e.upper, n0, double(n));
        e.extrapolated = true;
      }
      if (e.value > best.value) best = e;
    }
  }
  return best;
}

StatusOr<ThresholdDecision> GalleryCalibration::ThresholdForFpir(double target,
                                                                 int64_t n) const {
  if (!pooled) return FailedPreconditionError("gallery calibration has no gallery side");
  if (n < 1) n = 1;
  ThresholdDecision d;
  d.policy = ThresholdPolicyName(policy);
  d.stale = Stale(n);
  if (d.stale) {
    d.notes.push_back("the gallery has grown from " + std::to_string(gallery_subjects) + " to " +
                      std::to_string(n) + " subjects since " + created_at +
                      ": recalibrate (`candor calibrate --gallery " + gallery + "`)");
  }
  CANDOR_ASSIGN_OR_RETURN(ThresholdChoice g, SideThreshold(*pooled, target, n));
  std::string why = "pooled";
  if (policy == ThresholdPolicy::kWorstGroup) {
    for (const GroupCalibration& gc : groups) {
      if (!gc.calibration) continue;
      auto t = SideThreshold(*gc.calibration, target, n);
      if (!t.ok()) {
        d.notes.push_back("group " + gc.group + " cannot set a threshold for FPIR " +
                          std::to_string(target) + ": " + t.status().message());
        continue;
      }
      if (t->threshold > g.threshold) {
        g = *t;
        why = "worst group: " + group_attribute + "=" + gc.group;
      }
    }
  }
  d.gallery_side_threshold = g.threshold;
  d.threshold = g.threshold;
  d.rate = g.rate;
  d.deciding_side = "gallery-side";
  d.source = Describe() + ", " + why;
  if (probe_side) {
    auto p = SideThreshold(*probe_side, target, n);
    if (!p.ok()) {
      d.notes.push_back("probe side cannot set a threshold: " + p.status().message());
    } else {
      d.probe_side_threshold = p->threshold;
      if (p->threshold > d.threshold) {
        d.threshold = p->threshold;
        d.rate = p->rate;
        d.deciding_side = "probe-side";
        d.source = "probe-side calibration (" + probe_side_source + ") with " + Describe();
        d.notes.push_back("the probe-side estimate needs a higher threshold than the gallery side "
                          "(" + std::to_string(p->threshold) + " > " +
                          std::to_string(g.threshold) + "): the higher one is used");
      } else if (p->threshold < d.threshold) {
        d.notes.push_back("the probe side alone would allow a lower threshold (" +
                          std::to_string(p->threshold) + "); the gallery side's is kept");
      }
    }
  }
  if (reviewed) ApplyReviewed(*reviewed, *pooled, target, n, d);
  if (probe_side || reviewed) d.gallery_side_fpir = ScaledFpir(*pooled, d.threshold, n).value;
  if (probe_side) {
    const double gf = *d.gallery_side_fpir;
    const double pf = ScaledFpir(*probe_side, d.threshold, n).value;
    d.probe_side_fpir = pf;
    if (std::min(gf, pf) > 0) d.disagreement = std::max(gf, pf) / std::min(gf, pf);
  }
  return d;
}

Status GalleryCalibration::CheckModel(const std::string& id, const std::string& sha) const {
  std::string lower = sha;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char ch) { return static_cast<char>(std::tolower(ch)); });
  if (id != model_id || lower != model_sha256) {
    return FailedPreconditionError("the gallery calibration is for model " + model_id +
                                   " (sha256 " + model_sha256 + "), not " + id +
                                   ": recalibrate the gallery");
  }
  return OkStatus();
}

std::string GalleryCalibration::ToJson() const {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["gallery"] = gallery;
  j["model"] = {{"id", model_id}, {"sha256", model_sha256}};
  j["gallery_subjects"] = gallery_subjects;
  j["created_at"] = created_at;
  j["sample"] = {{"seed", seed},
                 {"searches", sampled_subjects},
                 {"pair_subjects", pair_subjects},
                 {"duplicate_score", duplicate_score},
                 {"duplicate_pairs_excluded", duplicates_excluded}};
  j["refresh_growth"] = refresh_growth;
  j["policy"] = ThresholdPolicyName(policy);
  j["group_attribute"] = group_attribute;
  j["subject_score"] = subject_score;
  j["pooled"] = CalJson(pooled);
  j["groups"] = nlohmann::json::array();
  for (const GroupCalibration& g : groups) {
    j["groups"].push_back({{"group", g.group},
                           {"sampled_subjects", g.sampled_subjects},
                           {"note", g.note},
                           {"calibration", CalJson(g.calibration)}});
  }
  j["probe_side"] = {{"source", probe_side_source}, {"calibration", CalJson(probe_side)}};
  j["reviewed_outcomes"] = {
      {"note", reviewed_note},
      {"estimate", reviewed ? nlohmann::json::parse(reviewed->ToJson()) : nlohmann::json(nullptr)}};
  nlohmann::json rates = nlohmann::json::array();
  for (const GroupRate& r : group_rates) {
    rates.push_back({{"group", r.group},
                     {"subjects", r.subjects},
                     {"fmr", RateJson(r.fmr)},
                     {"fpir", RateJson(r.fpir)},
                     {"too_small", r.too_small}});
  }
  j["operating"] = {{"fpir", operating_fpir}, {"threshold", operating_threshold},
                    {"group_rates", rates}};
  return j.dump(1);
}

StatusOr<GalleryCalibration> GalleryCalibration::FromJson(const std::string& text) {
  auto bad = [](const std::string& why) {
    return DataLossError("gallery calibration document: " + why);
  };
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat) return bad("not a gallery calibration");
    if (j.value("version", 0) != kVersion) return bad("unsupported version");
    GalleryCalibration c;
    c.gallery = j.at("gallery").get<std::string>();
    c.model_id = j.at("model").at("id").get<std::string>();
    c.model_sha256 = j.at("model").at("sha256").get<std::string>();
    c.gallery_subjects = j.at("gallery_subjects").get<int64_t>();
    c.created_at = j.at("created_at").get<std::string>();
    const auto& s = j.at("sample");
    c.seed = s.at("seed").get<std::string>();
    c.sampled_subjects = s.at("searches").get<uint64_t>();
    c.pair_subjects = s.at("pair_subjects").get<uint64_t>();
    c.duplicate_score = s.at("duplicate_score").get<double>();
    c.duplicates_excluded = s.at("duplicate_pairs_excluded").get<uint64_t>();
    c.refresh_growth = j.at("refresh_growth").get<double>();
    CANDOR_ASSIGN_OR_RETURN(c.policy, ParseThresholdPolicy(j.at("policy").get<std::string>()));
    c.group_attribute = j.at("group_attribute").get<std::string>();
    // Absent in documents made before the setting existed: those scored "max".
    c.subject_score = j.value("subject_score", std::string(kSubjectScoreMax));
    if (!ValidateSubjectScore(c.subject_score).ok()) return bad("unknown subject_score rule");
    CANDOR_ASSIGN_OR_RETURN(c.pooled, CalFromJson(j.at("pooled")));
    if (!c.pooled) return bad("no gallery-side calibration");
    if (c.gallery_subjects < 2 || !(c.refresh_growth > 0)) return bad("bad gallery size or growth");
    for (const auto& g : j.at("groups")) {
      GroupCalibration gc;
      gc.group = g.at("group").get<std::string>();
      gc.sampled_subjects = g.at("sampled_subjects").get<uint64_t>();
      gc.note = g.at("note").get<std::string>();
      CANDOR_ASSIGN_OR_RETURN(gc.calibration, CalFromJson(g.at("calibration")));
      c.groups.push_back(std::move(gc));
    }
    c.probe_side_source = j.at("probe_side").at("source").get<std::string>();
    CANDOR_ASSIGN_OR_RETURN(c.probe_side, CalFromJson(j.at("probe_side").at("calibration")));
    // Absent in documents made before reviewed outcomes were used.
    if (j.contains("reviewed_outcomes")) {
      const auto& ro = j.at("reviewed_outcomes");
      c.reviewed_note = ro.at("note").get<std::string>();
      if (!ro.at("estimate").is_null()) {
        CANDOR_ASSIGN_OR_RETURN(ReviewedOutcomes r,
                                ReviewedOutcomes::FromJson(ro.at("estimate").dump()));
        c.reviewed = std::move(r);
      }
    }
    const auto& op = j.at("operating");
    c.operating_fpir = op.at("fpir").get<double>();
    c.operating_threshold = op.at("threshold").get<double>();
    for (const auto& r : op.at("group_rates")) {
      GroupRate g;
      g.group = r.at("group").get<std::string>();
      g.subjects = r.at("subjects").get<uint64_t>();
      g.fmr = RateFromJson(r.at("fmr"));
      g.fpir = RateFromJson(r.at("fpir"));
      g.too_small = r.at("too_small").get<bool>();
      c.group_rates.push_back(g);
    }
    for (const auto* cal : {&c.pooled, &c.probe_side}) {
      if (*cal && (*cal)->model_id() != c.model_id) return bad("a part is for another model");
    }
    return c;
  } catch (const std::exception& e) {
    return bad(e.what());
  }
}

Status SaveGalleryCalibration(Store& store, const GalleryCalibration& c) {
  return store.PutGalleryDocument(c.gallery, kGalleryCalibrationDocument, c.ToJson());
}

StatusOr<GalleryCalibration> LoadGalleryCalibration(const Store& store,
                                                    const std::string& gallery) {
  CANDOR_ASSIGN_OR_RETURN(Store::StoredDocument d,
                          store.GetGalleryDocument(gallery, kGalleryCalibrationDocument));
  auto c = GalleryCalibration::FromJson(d.body);
  if (!c.ok()) return c.status().WithContext("gallery '" + gallery + "'");
  if (c->gallery != gallery) {
    return DataLossError("gallery '" + gallery + "' holds the calibration of '" + c->gallery + "'");
  }
  return c;
}

}  // namespace candor
