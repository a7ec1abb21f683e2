// Copyright 2026 The Candor Authors.
//
// candor calibrate [--data DIR | --embeddings FILE] --out FILE [--model ID] ...
// candor calibrate --gallery G [--sample N] [--probes DIR] ... (in-gallery
//   calibration of a stored gallery: cli/calibrate_gallery.h)
//
// Builds the calibration file verify and identify use (include/candor/
// calibration.h) from the calibration side of an identity split of a labelled
// folder (default $CANDOR_DATA/faces/lfw): 1:1 impostor and genuine scores and
// non-mated searches. The evaluation identities are never used, so `candor
// eval identify` with the same --split-seed measures on disjoint identities.
// Prints the thresholds for common targets and what the data cannot support.

#include <cstdio>
#include <iostream>

#include "calibrate/identify_eval.h"
#include "cli/calibrate_gallery.h"
#include "cli/command.h"
#include "cli/eval_embeddings.h"

namespace candor::cli {
namespace {

struct Args {
  EvalEmbeddingFlags in;
  std::string out;
  eval::IdentifyOptions options;
  GalleryCalibrateArgs gallery;
};

Status Run(const Args& a, const GlobalOptions& global) {
  if (!a.gallery.gallery.empty()) {
    GalleryCalibrateArgs g = a.gallery;
    g.models_dir = a.in.models_dir;
    return RunGalleryCalibrate(g, global);
  }
  if (a.out.empty()) return InvalidArgumentError("pass --out FILE (or --gallery G)");
  CANDOR_ASSIGN_OR_RETURN(eval::EmbeddingSet set, LoadEvalEmbeddings(a.in));
  // The protocol's calibration side; the evaluation side is computed too but
  // only its split is used here (cheap next to embedding).
  eval::IdentifyOptions o = a.options;
  o.synthetic_gallery_sizes.clear();
  o.bootstrap_replicates = 10;
  CANDOR_ASSIGN_OR_RETURN(auto out, eval::RunIdentifyEvaluation(set, nullptr, o));
  out.calibration_input.provenance["command"] = "candor calibrate";
  out.calibration_input.provenance["embedding_settings"] = set.settings;
  CANDOR_ASSIGN_OR_RETURN(auto cal, Calibration::Build(out.calibration_input));
  CANDOR_RETURN_IF_ERROR(cal.Save(a.out));
  nlohmann::json summary = {{"file", a.out},
                            {"model", cal.model_id()},
                            {"model_sha256", cal.model_sha256()},
                            {"impostor_comparisons", cal.impostor_count()},
                            {"genuine_comparisons", cal.genuine_count()},
                            {"min_supported_fmr", cal.MinSupportedFmr()},
                            {"nonmated_searches", cal.nonmated_searches()},
                            {"calibration_gallery_size", cal.calibration_gallery_size()},
                            {"thresholds", nlohmann::json::array()}};
  for (double fmr : {1e-2, 1e-3, 1e-4, 1e-5, 1e-6}) {
    auto t = cal.ThresholdForFmr(fmr);
    nlohmann::json row = {{"target", "FMR"}, {"rate", fmr}};
    if (t.ok()) {
      row["threshold"] = t->threshold;
      row["fnmr"] = cal.FnmrAt(t->threshold).value;
    } else {
      auto x = cal.ThresholdForFmr(fmr, /*allow_extrapolation=*/true);
      row["unsupported"] = t.status().message();
      if (x.ok()) row["extrapolated_threshold"] = x->threshold;
    }
    summary["thresholds"].push_back(row);
  }
  for (uint64_t n : {1000ull, 100000ull, 10000000ull}) {
    auto t = cal.ThresholdForFpir(0.01, n);
    nlohmann::json row = {{"target", "FPIR"}, {"rate", 0.01}, {"gallery_size", n}};
    if (t.ok()) {
      row["threshold"] = t->threshold;
      row["extrapolated"] = t->rate.extrapolated;
    } else {
      row["unsupported"] = t.status().message();
    }
    summary["thresholds"].push_back(row);
  }
  if (global.json) {
    std::cout << summary.dump(1) << std::endl;
  } else {
    std::cout << "wrote " << a.out << " for " << cal.model_id() << " from "
              << cal.impostor_count() << " impostor comparisons (lowest supported FMR "
              << cal.MinSupportedFmr() << ")\n";
    for (const auto& row : summary["thresholds"]) std::cout << "  " << row.dump() << "\n";
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "calibrate",
    "Build a calibration file (score -> FMR, (score, N) -> FPIR) from a labelled folder, or "
    "calibrate a stored gallery in place (--gallery)",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--out", a->out, "Calibration file to write (JSON; not with --gallery)");
      sub.add_option("--data", a->in.data, "Labelled folder <identity>/<image> (default $CANDOR_DATA/faces/lfw)");
      sub.add_option("--embeddings", a->in.embeddings, "Read this embeddings cache instead of running the pipeline");
      sub.add_option("--cache", a->in.cache_dir, "Embedding cache directory (default build/eval-cache)");
      sub.add_option("--model", a->in.model, "Embedder id (default: the pipeline's default)");
      sub.add_option("--models", a->in.models_dir, "Directory of converted models");
      sub.add_option("--threads", a->in.threads, "Pipeline workers")->check(CLI::Range(1, 64));
      sub.add_option("--max-images", a->in.max_images, "Use a stable subset of identities with at most this many images (0 = all)");
      sub.add_option("--split-seed", a->options.split_seed, "Seed of the identity split (same as eval identify)");
      sub.add_option("--calibration-fraction", a->options.calibration_fraction, "Share of identities used for calibration")
          ->check(CLI::Range(0.05, 0.95));
      sub.add_option("--impostor-images", a->options.max_calibration_images,
                     "1:1 impostor scores: all cross-identity pairs among this many images");
      AddGalleryCalibrateFlags(sub, &a->gallery);
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
