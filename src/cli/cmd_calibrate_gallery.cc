// Copyright 2026 The Candor Authors.
//
// The gallery mode of `candor calibrate` (cli/calibrate_gallery.h). Registers
// no command of its own.

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/calibrate_gallery.h"
#include "cli/cli_search.h"
#include "cli/operator_gate.h"
#include "common/file_util.h"
#include "search_desk/recalibrate.h"

#ifdef CANDOR_HAVE_PIPELINE
#include "candor/pipeline.h"
#endif

namespace candor::cli {
namespace {

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
  sub.add_option("--min-reviewed-searches", a->min_reviewed_searches,
                 "Gallery: reviewed outcomes (candidates examiners rejected in the store's past "
                 "searches) need this many completed searches")
      ->check(CLI::Range(10, 100000000));
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
    RecalibrationRequest r;
    r.gallery = a.gallery;
    r.options = a.options;
    r.policy = a.policy;
    r.if_stale = a.if_stale;
    r.dry_run = a.dry_run;
    if (!a.probes.empty() && g.modality == kFingerModality) {
      return UnimplementedError("gallery '" + a.gallery +
                                "' holds fingerprints: --probes takes face photos; calibrate a "
                                "finger gallery without --probes (its gallery side)");
    }
    if (!a.probes.empty()) {
      CANDOR_ASSIGN_OR_RETURN(r.probes,
                              LoadProbeFolder(a.probes, g, a.models_dir, &r.probe_files_without_face));
      r.probe_source = a.probe_source.empty() ? a.probes : a.probe_source;
    }
    // The reviewed outcomes of past searches: the store's sealed search
    // record, when there is one (a store never searched has none).
    std::unique_ptr<SearchBook> book;
    CANDOR_ASSIGN_OR_RETURN(std::string dir, DefaultStoreDir(a.store.store));
    if (std::filesystem::exists(SearchBookPath(dir))) {
      CANDOR_ASSIGN_OR_RETURN(book, OpenSearchBook(a.store));
    }
    r.book = book.get();
    r.reviewed.min_searches = a.min_reviewed_searches;
    // The same run as the admin API's (search_desk/recalibrate.h).
    SearchCalibrationOptions sc;
    sc.model_calibration = a.calibration;
    CANDOR_ASSIGN_OR_RETURN(RecalibrationResult done,
                            RecalibrateGallery(*store, r, *OpenSearchCalibration(*store, sc)));
    out = std::move(done.summary);
    detail = std::move(done.audit_detail);
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
  const auto& ro = out["reviewed_outcomes"];
  if (ro.value("used", false)) {
    std::cout << "  reviewed outcomes: " << ro["searches"] << " searches "
              << ro["first_search"].get<std::string>() << " .. "
              << ro["last_search"].get<std::string>() << ", " << ro["rejected_candidates"]
              << " rejected candidates; FPIR only from score " << ro["score_floor"] << " up\n";
  } else {
    std::cout << "  reviewed outcomes: none (" << ro.value("note", std::string()) << ")\n";
  }
  for (const auto& row : out["thresholds"]) std::cout << "  " << row.dump() << "\n";
  for (const auto& row : out["groups"]) std::cout << "  group " << row.dump() << "\n";
  for (const auto& row : out["groups_not_calibrated"]) {
    std::cout << "  group " << row["group"].get<std::string>() << ": not calibrated ("
              << row["note"].get<std::string>() << ")\n";
  }
  return OkStatus();
}

}  // namespace candor::cli
