// Copyright 2026 The Candor Authors.
//
// candor eval impostors [--data DIR] [--groups FILE | --labels DIR] [--embeddings FILE]
//                       [--fmr 1e-3] [--calibration FILE] [--json-out FILE] ...
//
// Same-group impostor FMR per group on a labelled set of any shape (one photo
// per person is enough): at the model calibration's threshold (what a fresh
// gallery uses), at a threshold calibrated on half of the set's own photos,
// and at that half's worst-group threshold, measured on the other half.
// Protocol: src/calibrate/impostor_eval.h; methods: docs/EVALUATION.md.

#include <cmath>
#include <cstdio>
#include <iostream>

#include "calibrate/impostor_eval.h"
#include "cli/command.h"
#include "cli/eval_embeddings.h"
#include "cli/gallery_flags.h"
#include "common/file_util.h"
#include "common/hash.h"

namespace candor::cli {
namespace {

struct Args {
  EvalEmbeddingFlags in;
  std::string labels, groups, calibration, json_out;
  eval::ImpostorEvalOptions options;
};

// The model calibration's threshold for the target, or a note why there is none.
void AddModelThreshold(const Args& a, const eval::EmbeddingSet& set, eval::ImpostorEvalOptions* o,
                       std::vector<std::string>* notes) {
  auto threshold = [&]() -> StatusOr<ThresholdChoice> {
    CANDOR_ASSIGN_OR_RETURN(Sha256Digest sha, ParseHexDigest(set.model_sha256));
    CANDOR_ASSIGN_OR_RETURN(Calibration cal, LoadCalibrationFor(a.calibration, set.model_id, sha));
    return cal.ThresholdForFmr(o->target_fmr);
  }();
  if (!threshold.ok()) {
    notes->push_back("no model threshold: " + threshold.status().message());
    return;
  }
  o->model_threshold = threshold->threshold;
  o->model_threshold_source = "the model calibration's threshold for FMR " + std::to_string(o->target_fmr);
}

void Print(const nlohmann::json& r) {
  for (const auto& [attr, a] : r["attributes"].items()) {
    std::cout << attr << " (" << a["identities_labelled"] << " identities labelled)\n";
    for (const auto& row : a["rows"]) {
      std::cout << "  at the " << row["threshold_kind"].get<std::string>() << " threshold";
      if (row["threshold"].is_null()) {
        std::cout << ": none (" << row["note"].get<std::string>() << ")\n";
        continue;
      }
      std::printf(" %.3f:\n", row["threshold"].get<double>());
      for (const auto& g : row["groups"]) {
        const double fmr = g["fmr"].is_null() ? NAN : g["fmr"].get<double>();
        std::printf("    %-28s FMR %.4f %% (%llu of %llu pairs, %llu identities)%s\n",
                    g["group"].get<std::string>().c_str(), 100 * fmr,
                    static_cast<unsigned long long>(g["false_matches"].get<uint64_t>()),
                    static_cast<unsigned long long>(g["pairs"].get<uint64_t>()),
                    static_cast<unsigned long long>(g["identities"].get<uint64_t>()),
                    g["too_small"].get<bool>() ? "  [too few to conclude]" : "");
      }
    }
  }
}

Status Run(const Args& a, const GlobalOptions& global) {
  nlohmann::json corrected;
  CANDOR_ASSIGN_OR_RETURN(eval::EmbeddingSet set, LoadEvalEmbeddings(a.in, &corrected));
  CANDOR_ASSIGN_OR_RETURN(std::optional<eval::GroupLabels> labels,
                          LoadEvalGroups(a.groups, a.labels, false));
  eval::ImpostorEvalOptions o = a.options;
  std::vector<std::string> notes;
  AddModelThreshold(a, set, &o, &notes);
  CANDOR_ASSIGN_OR_RETURN(nlohmann::json report, eval::RunImpostorEvaluation(set, *labels, o));
  report["command"] = "candor eval impostors";
  report["model"] = {
      {"id", set.model_id}, {"sha256", set.model_sha256}, {"settings", set.settings}};
  for (const auto& n : notes) report["notes"].push_back(n);
  if (!corrected.is_null()) report["truth_corrections"] = corrected;
  if (!a.json_out.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, report.dump(1)));
  if (global.json) {
    std::cout << report.dump(1) << std::endl;
  } else {
    Print(report);
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"eval impostors",
     "Same-group impostor FMR per group on any labelled set: the model's threshold against "
     "thresholds calibrated on the set's own photos",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.add_option("--data", a->in.data,
                      "Labelled folder <identity>/<image> (default $CANDOR_DATA/faces/lfw)");
       sub.add_option("--groups", a->groups,
                      "Group labels: lines identity,key=value,... (default: LFW's)");
       sub.add_option("--labels", a->labels,
                      "LFW protocol folder (default $CANDOR_DATA/faces/lfw-protocol)");
       sub.add_option("--embeddings", a->in.embeddings,
                      "Read this embeddings cache instead of running the pipeline");
       AddTruthCorrectionsFlag(sub, &a->in);
       sub.add_option("--cache", a->in.cache_dir,
                      "Embedding cache directory (default build/eval-cache)");
       sub.add_option("--model", a->in.model, "Embedder id (default: the pipeline's default)");
       sub.add_option("--models", a->in.models_dir, "Directory of converted models");
       sub.add_option("--threads", a->in.threads, "Pipeline workers")->check(CLI::Range(1, 64));
       sub.add_option("--fmr", a->options.target_fmr, "Target FMR of the thresholds")
           ->check(CLI::Range(1e-7, 0.5));
       sub.add_option("--calibration", a->calibration,
                      "The model's calibration file (default calibration/<model>.json)");
       sub.add_option("--max-pairs", a->options.max_pairs,
                      "Impostor pairs per pool (a uniform sample above)")
           ->check(CLI::Range(1000, 100000000));
       sub.add_option("--bootstrap", a->options.bootstrap, "Bootstrap replicates")
           ->check(CLI::Range(10, 100000));
       sub.add_option("--split-seed", a->options.split_seed, "Seed of the identity split");
       sub.add_option("--json-out", a->json_out, "Write the machine-readable result here");
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
