// Copyright 2026 The Candor Authors.

#include "calibrate/gallery_agreement.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "calibrate/stats.h"
#include "common/hash.h"

namespace candor::eval {
namespace {

using Json = nlohmann::json;

// A scratch directory removed on destruction.
struct Scratch {
  std::filesystem::path path;
  explicit Scratch(const std::filesystem::path& base) {
    std::string tmpl = ((base.empty() ? std::filesystem::temp_directory_path() : base) /
                        "candor-agreement-XXXXXX")
                           .string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

Json Interval(double value, double lower, double upper) {
  auto num = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
  return {{"value", num(value)}, {"lower95", num(lower)}, {"upper95", num(upper)}};
}

}  // namespace

StatusOr<Json> RunGalleryAgreement(const EmbeddingSet& set, const GroupLabels* labels,
                                   const GalleryAgreementOptions& o) {
  // First ok image of every identity.
  std::map<std::string, std::size_t> first;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < set.images.size(); ++i) {
    const auto& e = set.images[i];
    ids.insert(e.identity);
    if (e.ok && !first.count(e.identity)) first.emplace(e.identity, i);
  }
  const IdentitySplit split = SplitByIdentity(ids, o.gallery_fraction, o.split_seed);
  CANDOR_ASSIGN_OR_RETURN(Sha256Digest model_sha, ParseHexDigest(set.model_sha256));
  auto attributes_of = [&](const std::string& id) {
    SubjectAttributes a;
    if (!labels) return a;
    auto find = [&](const char* attr) -> std::string {
      auto it = labels->by_attribute.find(attr);
      if (it == labels->by_attribute.end()) return "";
      auto jt = it->second.find(id);
      return jt == it->second.end() ? "" : jt->second;
    };
    // A subject's attributes (candor/gallery.h) by their own names, or LFW's.
    for (const char* key : kSubjectAttributeKeys) {
      if (auto v = find(key); !v.empty()) a[key] = v;
    }
    if (auto s = find("gender"); !s.empty() && !a.count("sex")) a["sex"] = s;
    if (auto r = find("race"); !r.empty() && !a.count("group")) a["group"] = r;
    return a;
  };

  Scratch scratch(o.scratch_dir);
  if (scratch.path.empty()) return UnavailableError("cannot create a scratch directory");
  StoreOptions so;
  std::random_device rd;
  for (auto& b : so.master_key) b = static_cast<uint8_t>(rd());
  so.create_if_missing = true;
  so.index_spec = o.index_spec;
  CANDOR_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                          Store::Open((scratch.path / "store").string(), so));
  GalleryInfo gi;
  gi.name = "agreement";
  gi.description = "research: one image per gallery identity of a labelled set";
  gi.legal_basis = "research evaluation";
  gi.retention_class = "P1D";
  gi.allowed_search_bases = {"research"};
  CANDOR_RETURN_IF_ERROR(store->CreateGallery(gi));
  auto templ = [&](std::size_t i) {
    Template t;
    t.model_id = set.model_id;
    t.model_sha256 = model_sha;
    t.values = set.images[i].v;
    t.flags = kTemplateL2Normalized;
    return t;
  };
  std::vector<EnrollRequest> batch;
  int64_t enrolled = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return OkStatus();
    CANDOR_RETURN_IF_ERROR(store->Enroll(gi.name, batch));
    enrolled += static_cast<int64_t>(batch.size());
    batch.clear();
    return OkStatus();
  };
  for (const auto& id : split.calibration) {
    auto it = first.find(id);
    if (it == first.end()) continue;  // failure to acquire: not enrolled
    EnrollRequest r;
    r.subject_id = id;
    TemplateInput in;
    in.tmpl = templ(it->second);
    in.image_sha256 = Sha256(set.images[it->second].path);
    r.templates.push_back(std::move(in));
    r.attributes = attributes_of(id);
    batch.push_back(std::move(r));
    if (batch.size() == 1000) CANDOR_RETURN_IF_ERROR(flush());
  }
  CANDOR_RETURN_IF_ERROR(flush());

  GalleryCalibrationOptions co = o.calibration;
  const auto t0 = std::chrono::steady_clock::now();
  CANDOR_ASSIGN_OR_RETURN(GalleryCalibrationRun run, CalibrateGallery(*store, gi.name, co));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const GalleryCalibration& c = run.calibration;

  // Truth: never-enrolled identities' first images against the same gallery.
  struct Probe {
    std::string identity;
    double top;
    std::string candidate;
    SubjectAttributes attrs;
  };
  std::vector<Probe> truth;
  for (const auto& id : split.evaluation) {
    auto it = first.find(id);
    if (it == first.end()) continue;
    IdentifyParams p;
    p.k = 1;
    p.threshold = -2.0f;
    CANDOR_ASSIGN_OR_RETURN(IdentifyResult r, store->Identify(gi.name, templ(it->second), p));
    truth.push_back({id, r.candidates.empty() ? std::nan("") : double(r.candidates[0].score),
                     r.candidates.empty() ? "" : r.candidates[0].subject_id, attributes_of(id)});
  }
  // The calibration's own duplicate rule applied to the truth: a probe whose
  // best candidate scores at or above the duplicate score is a probable
  // duplicate (the same person under another name, or the same photo), not
  // counted as a non-mated search, and listed. Without this the prediction
  // (which excludes such pairs) and the truth count different things.
  auto is_truth_duplicate = [&](const Probe& p, double duplicate_score) {
    return p.top >= duplicate_score;
  };
  auto measured = [&](double t, const std::string& attr, const std::string& group,
                      double duplicate_score) {
    uint64_t k = 0, n = 0;
    for (const Probe& p : truth) {
      if (is_truth_duplicate(p, duplicate_score)) continue;
      if (!attr.empty()) {
        auto it = p.attrs.find(attr);
        if (it == p.attrs.end() || it->second != group) continue;
      }
      ++n;
      k += p.top >= t ? 1 : 0;
    }
    const auto ci = stats::Wilson(k, n);
    return std::tuple<uint64_t, uint64_t, stats::Interval>{k, n, ci};
  };

  // Prediction against truth at each target, for one calibration. The pooled
  // prediction is what the pooled truth checks (the worst-group threshold is
  // checked per group below). Agreement: the 95 % interval of the difference
  // (truth - predicted; predicted variance cluster-robust, truth binomial)
  // contains 0.
  struct Tally {
    int inside = 0, overlap = 0, agree = 0;
  };
  auto compare = [&](const GalleryCalibration& cal, Tally* tally) {
    GalleryCalibration pooled_view = cal;
    pooled_view.policy = ThresholdPolicy::kPooled;
    pooled_view.probe_side.reset();
    Json rows = Json::array();
    const double z = stats::NormalQuantile(0.975);
    for (double target : o.target_fpirs) {
      auto d = pooled_view.ThresholdForFpir(target, enrolled);
      if (!d.ok()) {
        rows.push_back({{"target_fpir", target}, {"unsupported", d.status().message()}});
        continue;
      }
      const auto [k, n, ci] = measured(d->threshold, "", "", cal.duplicate_score);
      const double truth_v = n ? double(k) / double(n) : std::nan("");
      const bool in = truth_v >= d->rate.lower && truth_v <= d->rate.upper;
      const bool ov = ci.lower <= d->rate.upper && d->rate.lower <= ci.upper;
      const double deff = cal.pooled->FpirDesignEffect(d->threshold);
      const double searches = static_cast<double>(cal.pooled->nonmated_searches());
      const double pv = d->rate.value;
      // Variances floored at one event, so a zero count does not claim certainty.
      const double var_p = deff * std::max(pv * (1 - pv), 1.0 / searches) / searches;
      const double var_t = n ? std::max(truth_v * (1 - truth_v), 1.0 / double(n)) / double(n) : 1.0;
      const double diff = truth_v - pv, half = z * std::sqrt(var_p + var_t);
      const bool agree = diff - half <= 0 && 0 <= diff + half;
      tally->inside += in;
      tally->overlap += ov;
      tally->agree += agree;
      rows.push_back({{"target_fpir", target},
                      {"threshold", d->threshold},
                      {"source", d->source},
                      {"predicted_fpir", Interval(pv, d->rate.lower, d->rate.upper)},
                      {"predicted_design_effect", deff},
                      {"predicted_extrapolated", d->rate.extrapolated},
                      {"measured_fpir", Interval(truth_v, ci.lower, ci.upper)},
                      {"measured_false_positives", k},
                      {"measured_searches", n},
                      {"difference", Interval(diff, diff - half, diff + half)},
                      {"agree", agree},
                      {"truth_inside_predicted_interval", in},
                      {"intervals_overlap", ov}});
    }
    return rows;
  };
  Tally tally;
  Json rows = compare(c, &tally);
  Json truth_dups = Json::array();
  for (const Probe& p : truth) {
    if (is_truth_duplicate(p, c.duplicate_score)) {
      truth_dups.push_back({{"probe", p.identity}, {"candidate", p.candidate}, {"score", p.top}});
    }
  }
  // The same check with nothing excluded on either side (duplicate score
  // above any cosine): a second, independent reading of agreement.
  Json without = nullptr;
  Tally tally_without;
  if (o.check_without_exclusion) {
    GalleryCalibrationOptions none = co;
    none.duplicate_score = 2.0;
    CANDOR_ASSIGN_OR_RETURN(GalleryCalibrationRun run2, CalibrateGallery(*store, gi.name, none));
    without = {{"duplicate_score", none.duplicate_score},
               {"agreement", compare(run2.calibration, &tally_without)},
               {"agree", tally_without.agree}};
  }
  Json groups = Json::array();
  if (!c.group_attribute.empty()) {
    for (const auto& r : c.group_rates) {
      const auto [k, n, ci] =
          measured(c.operating_threshold, c.group_attribute, r.group, c.duplicate_score);
      groups.push_back({{"group", r.group},
                        {"sampled_subjects", r.subjects},
                        {"too_small", r.too_small},
                        {"matched_fmr", Interval(r.fmr.value, r.fmr.lower, r.fmr.upper)},
                        {"matched_impostor_pairs", r.fmr.trials},
                        {"predicted_fpir", Interval(r.fpir.value, r.fpir.lower, r.fpir.upper)},
                        {"measured_fpir", Interval(n ? double(k) / double(n) : std::nan(""),
                                                   ci.lower, ci.upper)},
                        {"measured_searches", n}});
    }
  }
  Json dups = Json::array();
  for (const auto& d : run.duplicates) {
    dups.push_back({{"a", d.subject_a}, {"b", d.subject_b}, {"score", d.score}});
  }
  return Json{{"model", {{"id", set.model_id}, {"sha256", set.model_sha256}}},
              {"settings", set.settings},
              {"split_seed", o.split_seed},
              {"gallery_subjects", enrolled},
              {"truth_searches", truth.size()},
              {"index", o.index_spec},
              {"calibration",
               {{"searches", c.sampled_subjects},
                {"pair_subjects", c.pair_subjects},
                {"impostor_pairs", c.pooled->impostor_count()},
                {"min_supported_fpir", c.pooled->MinSupportedFpir()},
                {"min_supported_fmr", c.pooled->MinSupportedFmr()},
                {"duplicate_score", c.duplicate_score},
                {"probable_duplicates", dups},
                {"policy", ThresholdPolicyName(c.policy)},
                {"group_attribute", c.group_attribute},
                {"operating_fpir", c.operating_fpir},
                {"operating_threshold", c.operating_threshold},
                {"seconds", seconds},
                {"notes", run.notes}}},
              {"truth_probable_duplicates", truth_dups},
              {"agreement", rows},
              {"agree", tally.agree},
              {"truth_inside_predicted_interval", tally.inside},
              {"intervals_overlap", tally.overlap},
              {"without_exclusion", without},
              {"groups", groups}};
}

}  // namespace candor::eval
