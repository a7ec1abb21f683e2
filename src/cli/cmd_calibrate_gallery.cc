// Copyright 2026 The Candor Authors.
//
// The gallery mode of `candor calibrate` (cli/calibrate_gallery.h). Registers
// no command of its own.

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/calibrate_gallery.h"
#include "cli/operator_gate.h"
#include "common/file_util.h"

#ifdef CANDOR_HAVE_PIPELINE
#include "candor/pipeline.h"
#endif

namespace candor::cli {
namespace {

nlohmann::json DecisionJson(const ThresholdDecision& d) {
  nlohmann::json j = {{"threshold", d.threshold},      {"fpir", RateJson(d.rate)},
                      {"source", d.source},            {"policy", d.policy},
                      {"deciding_side", d.deciding_side}, {"stale", d.stale},
                      {"notes", d.notes}};
  if (d.gallery_side_threshold) j["gallery_side_threshold"] = *d.gallery_side_threshold;
  if (d.probe_side_threshold) j["probe_side_threshold"] = *d.probe_side_threshold;
  if (d.gallery_side_fpir) j["gallery_side_fpir"] = *d.gallery_side_fpir;
  if (d.probe_side_fpir) j["probe_side_fpir"] = *d.probe_side_fpir;
  if (d.disagreement) j["disagreement"] = *d.disagreement;
  return j;
}

// Templates of the files in `dir` (images through the gallery's model, or
// template files as they are). Files without a face are skipped and counted.
StatusOr<std::vector<Template>> LoadProbeFolder(const std::string& dir, const GalleryInfo& g,
                                                const std::string& models_dir, int* skipped) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  if (ec) return NotFoundError("cannot read probe folder " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
#ifdef CANDOR_HAVE_PIPELINE
  std::unique_ptr<Pipeline> pipeline;
#endif
  std::vector<Template> out;
  for (const auto& f : files) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(f));
    if (bytes.size() >= 4 && std::equal(bytes.begin(), bytes.begin() + 4, "CNDT")) {
      auto t = ParseTemplate(bytes);
      if (!t.ok()) return t.status().WithContext(f.string());
      out.push_back(std::move(*t));
      continue;
    }
#ifdef CANDOR_HAVE_PIPELINE
    if (!pipeline) {
      PipelineOptions po;
      po.embedder = g.model_id;
      if (!models_dir.empty()) po.model_dir = models_dir;
      CANDOR_ASSIGN_OR_RETURN(pipeline, Pipeline::Open(po));
    }
    auto img = pipeline->Decode(bytes);
    auto face = img.ok() ? pipeline->ProcessSingle(*img) : StatusOr<ProcessedFace>(img.status());
    if (!face.ok()) {
      ++*skipped;
      continue;
    }
    out.push_back(std::move(face->tmpl));
#else
    ++*skipped;
#endif
  }
  return out;
}

}  // namespace

void AddGalleryCalibrateFlags(CLI::App& sub, GalleryCalibrateArgs* a) {
  sub.add_option("--gallery", a->gallery,
                 "In-gallery calibration of this stored gallery (no labels needed)");
  sub.add_option("--sample", a->options.sample_subjects,
                 "Gallery: subjects searched against the rest of the gallery")
      ->check(CLI::Range(16, 10000000));
  sub.add_option("--pair-subjects", a->options.pair_subjects,
                 "Gallery: all pairs among this many sampled subjects give FMR")
      ->check(CLI::Range(16, 20000));
  sub.add_option("--seed", a->options.seed, "Gallery: sampling seed");
  sub.add_option("--duplicate-score", a->options.duplicate_score,
                 "Gallery: pairs at or above this score are probable duplicates (default: from "
                 "the model calibration, FMR 1/(searches x N))");
  sub.add_option("--group-attribute", a->options.group_attribute,
                 "Gallery: calibrate per group of this subject attribute (sex, age_band, group)");
  sub.add_option("--policy", a->policy,
                 "Gallery: threshold policy pooled | worst-group (default worst-group when "
                 "groups exist)");
  sub.add_option("--refresh-growth", a->options.refresh_growth,
                 "Gallery: the calibration is stale once the gallery grew by this fraction")
      ->check(CLI::Range(0.001, 10.0));
  sub.add_option("--probes", a->probes,
                 "Gallery: folder of probe-like photos (or template files) of people known not "
                 "to be enrolled: the probe-side calibration");
  sub.add_option("--probe-source", a->probe_source, "Gallery: what the --probes photos are");
  sub.add_flag("--if-stale", a->if_stale,
               "Gallery: only when there is no stored calibration or it is stale");
  sub.add_flag("--dry-run", a->dry_run, "Gallery: measure and print, do not store");
  sub.add_option("--calibration", a->calibration,
                 "Gallery: the model's calibration file (default calibration/<model>.json)");
  AddStoreFlags(sub, &a->store);
  AddOperatorFlags(sub, &a->govern);
}

Status RunGalleryCalibrate(const GalleryCalibrateArgs& a, const GlobalOptions& global) {
  const char* action = "gallery.calibrate";
  CANDOR_ASSIGN_OR_RETURN(OperatorGate gate, OpenOperatorGateFor(a.govern, a.store, {Role::kAdmin},
                                                                 action, a.gallery));
  nlohmann::json out;
  std::string detail;
  const Status done = [&]() -> Status {
    CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, false, a.dry_run));
    CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store->GetGallery(a.gallery));
    if (a.if_stale) {
      auto old = LoadGalleryCalibration(*store, a.gallery);
      if (old.ok() && old->CheckModel(g.model_id, HexEncode(g.model_sha256)).ok() &&
          !old->Stale(g.subjects)) {
        out = {{"gallery", a.gallery}, {"recalibrated", false},
               {"calibration", old->Describe()}};
        detail = "fresh calibration kept";
        return OkStatus();
      }
    }
    GalleryCalibrationOptions o = a.options;
    if (!a.policy.empty()) {
      CANDOR_ASSIGN_OR_RETURN(ThresholdPolicy p, ParseThresholdPolicy(a.policy));
      o.policy = p;
    }
    if (!std::isfinite(o.duplicate_score)) {
      if (g.model_id.empty()) return FailedPreconditionError("gallery '" + a.gallery + "' is empty");
      CANDOR_ASSIGN_OR_RETURN(Calibration model,
                              LoadCalibrationFor(a.calibration, g.model_id, g.model_sha256));
      const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(1, g.subjects));
      CANDOR_ASSIGN_OR_RETURN(o.duplicate_score,
                              DefaultDuplicateScore(model, std::min<uint64_t>(n, o.sample_subjects), n));
    }
    CANDOR_ASSIGN_OR_RETURN(GalleryCalibrationRun run, CalibrateGallery(*store, a.gallery, o));
    int skipped = 0;
    if (!a.probes.empty()) {
      CANDOR_ASSIGN_OR_RETURN(std::vector<Template> probes,
                              LoadProbeFolder(a.probes, g, a.models_dir, &skipped));
      const std::string source = (a.probe_source.empty() ? a.probes : a.probe_source) + ", " +
                                 std::to_string(probes.size()) + " photos";
      CANDOR_RETURN_IF_ERROR(AddProbeSide(*store, probes, source, run.calibration));
    }
    const GalleryCalibration& c = run.calibration;
    if (!a.dry_run) CANDOR_RETURN_IF_ERROR(SaveGalleryCalibration(*store, c));
    out = {{"gallery", a.gallery},
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
           {"probable_duplicates", nlohmann::json::array()},
           {"policy", ThresholdPolicyName(c.policy)},
           {"probe_files_without_face", skipped},
           {"notes", run.notes},
           {"thresholds", nlohmann::json::array()},
           {"groups", nlohmann::json::array()}};
    for (const ProbableDuplicate& d : run.duplicates) {
      out["probable_duplicates"].push_back({{"a", d.subject_a}, {"b", d.subject_b}, {"score", d.score}});
    }
    for (double target : {0.1, 0.01, 0.001}) {
      auto d = c.ThresholdForFpir(target, c.gallery_subjects);
      nlohmann::json row = {{"target_fpir", target}};
      if (d.ok()) {
        row.update(DecisionJson(*d));
      } else {
        row["unsupported"] = d.status().message();
      }
      out["thresholds"].push_back(row);
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
    detail = std::to_string(c.sampled_subjects) + " searches at N=" +
             std::to_string(c.gallery_subjects) + ", " + std::to_string(c.duplicates_excluded) +
             " probable duplicate pairs excluded, policy " + ThresholdPolicyName(c.policy) +
             (c.probe_side ? ", with probe side" : "") + (a.dry_run ? ", dry run" : ", stored");
    return OkStatus();
  }();
  CANDOR_RETURN_IF_ERROR(AuditAction(gate, action, a.gallery, done, detail));
  if (global.json) {
    std::cout << out.dump(2) << std::endl;
    return OkStatus();
  }
  std::cout << out.value("calibration", std::string()) << "\n";
  if (!out.value("recalibrated", false)) {
    std::cout << "  still fresh: not recalibrated\n";
    return OkStatus();
  }
  std::cout << "  stored: " << (out["stored"].get<bool>() ? "yes" : "no (dry run)")
            << ", policy " << out["policy"].get<std::string>()
            << ", lowest supported FPIR " << out["min_supported_fpir"].get<double>() << "\n";
  for (const auto& d : out["probable_duplicates"]) {
    std::cout << "  probable duplicate (review): " << d["a"].get<std::string>() << " ~ "
              << d["b"].get<std::string>() << " score " << d["score"].get<double>() << "\n";
  }
  for (const auto& row : out["thresholds"]) std::cout << "  " << row.dump() << "\n";
  for (const auto& row : out["groups"]) std::cout << "  group " << row.dump() << "\n";
  return OkStatus();
}

}  // namespace candor::cli
