// Copyright 2026 The Candor Authors.
//
// candor eval gallery-calibration [--embeddings FILE | --data DIR --cache DIR]
//     [--groups FILE] [--truth-corrections FILE] [--json-out FILE] [--sample N] [--group-attribute sex] ...
//
// Does in-gallery calibration (no labels) predict the FPIR that labelled
// non-mated searches measure? Protocol: src/calibrate/gallery_agreement.h;
// results: docs/ACCURACY.md ("In-gallery calibration against labelled truth").

#include <iostream>

#include "calibrate/gallery_agreement.h"
#include "cli/command.h"
#include "cli/eval_embeddings.h"
#include "cli/gallery_flags.h"
#include "common/file_util.h"

namespace candor::cli {
namespace {

struct Args {
  EvalEmbeddingFlags in;
  std::string labels, groups, json_out, calibration;
  bool no_labels = false;
  eval::GalleryAgreementOptions options;
};

Status Run(const Args& a, const GlobalOptions& global) {
  nlohmann::json corrected;
  CANDOR_ASSIGN_OR_RETURN(eval::EmbeddingSet set, LoadEvalEmbeddings(a.in, &corrected));
  CANDOR_ASSIGN_OR_RETURN(std::optional<eval::GroupLabels> labels,
                          LoadEvalGroups(a.groups, a.labels, a.no_labels));
  eval::GalleryAgreementOptions o = a.options;
  if (!std::isfinite(o.calibration.duplicate_score)) {
    CANDOR_ASSIGN_OR_RETURN(Sha256Digest sha, ParseHexDigest(set.model_sha256));
    CANDOR_ASSIGN_OR_RETURN(Calibration model, LoadCalibrationFor(a.calibration, set.model_id, sha));
    const uint64_t n = set.images.size();
    CANDOR_ASSIGN_OR_RETURN(o.calibration.duplicate_score,
                            DefaultDuplicateScore(model, o.calibration.sample_subjects, n));
  }
  CANDOR_ASSIGN_OR_RETURN(nlohmann::json report,
                          eval::RunGalleryAgreement(set, labels ? &*labels : nullptr, o));
  report["command"] = "candor eval gallery-calibration";
  if (!corrected.is_null()) report["truth_corrections"] = corrected;
  if (!a.json_out.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, report.dump(1)));
  if (global.json) {
    std::cout << report.dump(1) << std::endl;
    return OkStatus();
  }
  std::cout << "gallery of " << report["gallery_subjects"] << " subjects, "
            << report["truth_searches"] << " labelled non-mated searches\n";
  std::cout << "agreement (difference interval contains 0) at " << report["agree"] << " of "
            << report["agreement"].size() << " targets; " << report["truth_probable_duplicates"].size()
            << " truth searches were probable duplicates (excluded)\n";
  for (const auto& r : report["agreement"]) std::cout << "  " << r.dump() << "\n";
  if (!report["without_exclusion"].is_null()) {
    std::cout << "nothing excluded on either side: agreement at "
              << report["without_exclusion"]["agree"] << " targets\n";
    for (const auto& r : report["without_exclusion"]["agreement"]) std::cout << "  " << r.dump() << "\n";
  }
  for (const auto& g : report["groups"]) std::cout << "  group " << g.dump() << "\n";
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "eval gallery-calibration",
    "Check in-gallery calibration (no labels) against labelled non-mated truth",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--data", a->in.data, "Labelled folder (default $CANDOR_DATA/faces/lfw)");
      sub.add_option("--labels", a->labels, "LFW protocol folder (default $CANDOR_DATA/faces/lfw-protocol)");
      AddTruthCorrectionsFlag(sub, &a->in);
      sub.add_option("--groups", a->groups,
                     "Group labels of your own set instead of LFW's: lines identity,key=value,... "
                     "(e.g. sex=female,group=...)");
      sub.add_flag("--no-labels", a->no_labels, "No subject attributes");
      sub.add_option("--embeddings", a->in.embeddings, "Embeddings cache file instead of the pipeline");
      sub.add_option("--cache", a->in.cache_dir, "Embedding cache directory (default build/eval-cache)");
      sub.add_option("--model", a->in.model, "Embedder id (default: the pipeline's default)");
      sub.add_option("--models", a->in.models_dir, "Directory of converted models");
      sub.add_option("--threads", a->in.threads, "Pipeline workers")->check(CLI::Range(1, 64));
      sub.add_option("--calibration", a->calibration, "Model calibration (for the default duplicate score)");
      sub.add_option("--json-out", a->json_out, "Write the result here");
      sub.add_option("--split-seed", a->options.split_seed, "Identity split seed");
      sub.add_option("--gallery-fraction", a->options.gallery_fraction, "Share of identities enrolled")
          ->check(CLI::Range(0.05, 0.95));
      sub.add_option("--target-fpir", a->options.target_fpirs, "Target FPIRs to check");
      sub.add_option("--sample", a->options.calibration.sample_subjects, "In-gallery searches")
          ->check(CLI::Range(16, 10000000));
      sub.add_option("--pair-subjects", a->options.calibration.pair_subjects, "Pairs among this many sampled subjects")
          ->check(CLI::Range(16, 20000));
      sub.add_option("--duplicate-score", a->options.calibration.duplicate_score, "Probable-duplicate score");
      sub.add_option("--group-attribute", a->options.calibration.group_attribute, "sex or group (race)");
      sub.add_option("--operating-fpir", a->options.calibration.operating_fpir, "FPIR of the per-group operating threshold")
          ->check(CLI::Range(1e-6, 0.5));
      sub.add_option("--index", a->options.index_spec, "Store index spec (Flat,int8 or Flat,fp32)");
      sub.add_flag("!--no-unexcluded-check", a->options.check_without_exclusion,
                   "Skip the second check with nothing excluded on either side");
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
