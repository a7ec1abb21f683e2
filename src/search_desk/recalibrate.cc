// Copyright 2026 The Candor Authors.

#include "search_desk/recalibrate.h"

#include <algorithm>
#include <cmath>

#include "common/hash.h"
#include "search_desk/reviewed_searches.h"

namespace candor {
namespace {

using nlohmann::json;

json RateJson(const RateEstimate& r) {
  return {{"value", r.value}, {"lower95", r.lower}, {"upper95", r.upper},
          {"extrapolated", r.extrapolated}, {"below_support", r.below_support}};
}

json DecisionJson(const ThresholdDecision& d) {
  json j = {{"threshold", d.threshold},          {"fpir", RateJson(d.rate)},
            {"source", d.source},                {"policy", d.policy},
            {"deciding_side", d.deciding_side},  {"stale", d.stale},
            {"notes", d.notes}};
  if (d.gallery_side_threshold) j["gallery_side_threshold"] = *d.gallery_side_threshold;
  if (d.probe_side_threshold) j["probe_side_threshold"] = *d.probe_side_threshold;
  if (d.gallery_side_fpir) j["gallery_side_fpir"] = *d.gallery_side_fpir;
  if (d.probe_side_fpir) j["probe_side_fpir"] = *d.probe_side_fpir;
  if (d.disagreement) j["disagreement"] = *d.disagreement;
  if (d.reviewed_threshold) j["reviewed_threshold"] = *d.reviewed_threshold;
  if (d.reviewed_fpir) j["reviewed_fpir"] = RateJson(*d.reviewed_fpir);
  if (d.reviewed_disagreement) j["reviewed_disagreement"] = *d.reviewed_disagreement;
  return j;
}

// The reviewed-outcome side in the result: what it counted and where it
// can speak, or why there is none.
json ReviewedJson(const GalleryCalibration& c) {
  if (!c.reviewed) return {{"used", false}, {"note", c.reviewed_note}};
  const ReviewedOutcomes& r = *c.reviewed;
  json j = {
      {"used", true},
      {"searches", r.searches()},
      {"searches_with_candidates", r.searches_with_candidates()},
      {"rejected_candidates", r.rejected_candidates()},
      {"confirmed_candidates", r.confirmed_candidates()},
      {"first_search", r.first_search()},
      {"last_search", r.last_search()},
      {"gallery_subjects", {{"min", r.min_gallery_subjects()}, {"max", r.max_gallery_subjects()}}},
      {"score_floor", r.score_floor()},
      {"min_supported_fpir", r.MinSupportedFpir()},
      {"left_out",
       {{"review_incomplete", r.skipped().review_incomplete},
        {"other_scoring", r.skipped().other_scoring},
        {"unrecorded_scoring", r.skipped().unrecorded_scoring},
        {"purged", r.skipped().purged}}},
      {"note",
       "FPIR only at and above score_floor (the highest threshold searched); no "
       "FNIR, FMR or per-group rate"}};
  if (auto f = r.FpirAt(r.score_floor()); f.ok()) j["fpir_at_floor"] = RateJson(*f);
  return j;
}

json Summary(const GalleryCalibrationRun& run, const RecalibrationRequest& a) {
  const GalleryCalibration& c = run.calibration;
  json out = {{"gallery", a.gallery},
              {"recalibrated", true},
              {"stored", !a.dry_run},
              {"calibration", c.Describe()},
              {"gallery_subjects", c.gallery_subjects},
              {"searches", c.sampled_subjects},
              {"pair_subjects", c.pair_subjects},
              {"impostor_pairs", c.pooled->impostor_count()},
              {"min_supported_fpir", c.pooled->MinSupportedFpir()},
              {"min_supported_fmr", c.pooled->MinSupportedFmr()},
              {"duplicate_score", c.duplicate_score},
              {"probable_duplicates", json::array()},
              {"policy", ThresholdPolicyName(c.policy)},
              {"probe_files_without_face", a.probe_files_without_face},
              {"notes", run.notes},
              {"thresholds", json::array()},
              {"groups", json::array()}};
  for (const ProbableDuplicate& d : run.duplicates) {
    out["probable_duplicates"].push_back({{"a", d.subject_a}, {"b", d.subject_b}, {"score", d.score}});
  }
  out["reviewed_outcomes"] = ReviewedJson(c);
  for (double target : {0.1, 0.01, 0.001}) {
    auto d = c.ThresholdForFpir(target, c.gallery_subjects);
    json row = {{"target_fpir", target}};
    if (d.ok()) {
      row.update(DecisionJson(*d));
      // Context: mates examiners confirmed that this threshold would not have shown.
      if (c.reviewed && d->threshold >= c.reviewed->score_floor()) {
        row["confirmed_candidates_below"] = c.reviewed->ConfirmedBelow(d->threshold);
      }
    } else {
      row["unsupported"] = d.status().message();
    }
    out["thresholds"].push_back(row);
  }
  // Groups the attribute names but that could not be calibrated (too few
  // subjects): said, so an operator is not left to guess why no rate is shown.
  out["groups_not_calibrated"] = json::array();
  for (const GroupCalibration& g : c.groups) {
    if (g.calibration) continue;
    out["groups_not_calibrated"].push_back(
        {{"group", g.group}, {"sampled_subjects", g.sampled_subjects}, {"note", g.note}});
  }
  for (const auto& r : c.group_rates) {
    out["groups"].push_back({{"group", r.group}, {"subjects", r.subjects},
                             {"fmr", {{"value", r.fmr.value}, {"lower95", r.fmr.lower},
                                      {"upper95", r.fmr.upper}, {"pairs", r.fmr.trials}}},
                             {"fpir", {{"value", r.fpir.value}, {"lower95", r.fpir.lower},
                                       {"upper95", r.fpir.upper}, {"searches", r.fpir.trials}}},
                             {"too_small", r.too_small}});
  }
  out["operating_threshold"] = {{"fpir", c.operating_fpir}, {"threshold", c.operating_threshold}};
  return out;
}

// A finger model calibration (calibration/finger-mcc.json) has no tail fit to
// extrapolate FMR 1e-6 from. Its mates are far apart from its impostors, so a
// probable duplicate (the same finger enrolled twice) is a pair scoring at
// least the median mate score and above every measured impostor score.
StatusOr<double> FingerDuplicateScore(const Calibration& model) {
  if (model.genuine_count() == 0) {
    return FailedPreconditionError("the finger model calibration has no mate scores to set a "
                                   "duplicate score from: pass a duplicate score");
  }
  double median = 0.0, clear = 1.0;  // the highest t half the mates reach; the lowest t no impostor does
  for (int i = 0; i <= 1000; ++i) {
    if (model.FnmrAt(i / 1000.0).value <= 0.5) median = i / 1000.0;
  }
  for (int i = 1000; i >= 0 && model.FmrAt(i / 1000.0).value == 0; --i) clear = i / 1000.0;
  return std::max(median, clear);
}

}  // namespace

StatusOr<RecalibrationResult> RecalibrateGallery(Store& store, const RecalibrationRequest& a,
                                                 const SearchCalibration& calibration) {
  CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store.GetGallery(a.gallery));
  if (g.modality == kFingerModality && (!a.probes.empty() || a.probe_files_without_face > 0)) {
    return UnimplementedError("gallery '" + a.gallery +
                              "' holds fingerprints: probe-side calibration takes face photos; "
                              "calibrate a finger gallery without probes (its gallery side)");
  }
  RecalibrationResult result;
  if (a.if_stale) {
    auto old = LoadGalleryCalibration(store, a.gallery);
    if (old.ok() && old->CheckModel(g.model_id, HexEncode(g.model_sha256)).ok() &&
        !old->Stale(g.subjects)) {
      result.summary = {{"gallery", a.gallery}, {"recalibrated", false},
                        {"calibration", old->Describe()}};
      result.audit_detail = "fresh calibration kept";
      return result;
    }
  }
  GalleryCalibrationOptions o = a.options;
  if (!a.policy.empty()) {
    CANDOR_ASSIGN_OR_RETURN(ThresholdPolicy p, ParseThresholdPolicy(a.policy));
    o.policy = p;
  }
  std::string duplicate_note;
  if (!std::isfinite(o.duplicate_score)) {
    if (g.model_id.empty()) return FailedPreconditionError("gallery '" + a.gallery + "' is empty");
    CANDOR_ASSIGN_OR_RETURN(std::shared_ptr<const Calibration> model,
                            calibration.ModelCalibration(g));
    const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(1, g.subjects));
    StatusOr<double> d =
        DefaultDuplicateScore(*model, std::min<uint64_t>(n, o.sample_subjects), n);
    if (!d.ok() && g.modality == kFingerModality) {
      d = FingerDuplicateScore(*model);
      duplicate_note = "duplicate score: the finger model calibration's median mate score "
                       "(above all its impostor scores; it has no tail fit for FMR 1e-6)";
    }
    CANDOR_ASSIGN_OR_RETURN(o.duplicate_score, std::move(d));
  }
  CANDOR_ASSIGN_OR_RETURN(GalleryCalibrationRun run, CalibrateGallery(store, a.gallery, o));
  if (!duplicate_note.empty()) run.notes.push_back(duplicate_note);
  if (!a.probes.empty()) {
    const std::string source = a.probe_source + ", " + std::to_string(a.probes.size()) + " photos";
    CANDOR_RETURN_IF_ERROR(AddProbeSide(store, a.probes, source, run.calibration));
  }
  if (a.book != nullptr) {
    CANDOR_ASSIGN_OR_RETURN(CollectedReviews got, CollectReviewedSearches(*a.book, g));
    auto built = ReviewedOutcomes::Build(
        got.searches, got.skipped,
        "reviewed outcomes of past searches of gallery '" + a.gallery + "'", a.reviewed);
    if (built.ok()) {
      run.calibration.reviewed = std::move(built).value();
    } else if (built.status().code() == Code::kFailedPrecondition) {
      run.calibration.reviewed_note = built.status().message();
      run.notes.push_back(built.status().message());
    } else {
      return built.status();
    }
  } else {
    run.calibration.reviewed_note = "no search record given: no reviewed outcomes";
  }
  const GalleryCalibration& c = run.calibration;
  if (!a.dry_run) {
    CANDOR_RETURN_IF_ERROR(SaveGalleryCalibration(store, c));
    calibration.Invalidate(a.gallery);
  }
  result.summary = Summary(run, a);
  result.audit_detail =
      std::to_string(c.sampled_subjects) + " searches at N=" + std::to_string(c.gallery_subjects) +
      ", " + std::to_string(c.duplicates_excluded) + " probable duplicate pairs excluded, policy " +
      ThresholdPolicyName(c.policy) + (c.probe_side ? ", with probe side" : "") +
      (c.reviewed ? ", reviewed outcomes of " + std::to_string(c.reviewed->searches()) + " searches"
                  : ", no reviewed outcomes") +
      (a.dry_run ? ", dry run" : ", stored");
  return result;
}

}  // namespace candor
