// Copyright 2026 The Candor Authors.
//
// candor eval identify [--data DIR] [--labels DIR | --groups FILE] [--embeddings FILE]
//                      [--truth-corrections FILE] [--json-out FILE] [--html FILE]
//                      [--calibration-out FILE] ...
//
// Open-set 1:N evaluation in the NIST FRTE style on a labelled folder (default
// $CANDOR_DATA/faces/lfw): identities split into calibration and evaluation
// sets; gallery = one image per enrolled identity; mated probes = their other
// images; non-mated probes = identities never enrolled; FNIR at FPIR 0.3/1/10 %,
// CMC, DET, FPIR as the gallery grows, per-group differentials at the
// calibrated operating threshold. Protocol: src/calibrate/identify_eval.h;
// methods: docs/EVALUATION.md. Embeddings come from the Pipeline (cached under
// build/eval-cache keyed by the model's hash) or from --embeddings.

#include <fstream>
#include <iostream>
#include <optional>

#include "calibrate/identify_eval.h"
#include "calibrate/report.h"
#include "cli/command.h"
#include "cli/eval_embeddings.h"
#include "common/file_util.h"

namespace candor::cli {
namespace {

struct Args {
  EvalEmbeddingFlags in;
  std::string labels, groups, json_out, html, calibration_out;
  eval::IdentifyOptions options;
  bool no_labels = false;
  std::string impostors = "random";
};

Status Run(const Args& a, const GlobalOptions& global) {
  nlohmann::json corrected;
  CANDOR_ASSIGN_OR_RETURN(eval::EmbeddingSet set, LoadEvalEmbeddings(a.in, &corrected));
  eval::IdentifyOptions options = a.options;
  if (!corrected.is_null()) options.dataset += " (ground truth corrected by " + a.in.truth_corrections + ")";
  options.matched_impostors = a.impostors == "matched";
  if (options.matched_impostors && a.no_labels) {
    return InvalidArgumentError("--impostors matched needs the group labels (drop --no-labels)");
  }
  CANDOR_ASSIGN_OR_RETURN(std::optional<eval::GroupLabels> labels,
                          LoadEvalGroups(a.groups, a.labels, a.no_labels));
  CANDOR_ASSIGN_OR_RETURN(auto out, eval::RunIdentifyEvaluation(
                                        set, labels ? &*labels : nullptr, options));
  out.report["command"] = "candor eval identify";
  if (!corrected.is_null()) out.report["truth_corrections"] = corrected;
  if (!a.calibration_out.empty()) {
    CANDOR_ASSIGN_OR_RETURN(auto cal, Calibration::Build(out.calibration_input));
    CANDOR_RETURN_IF_ERROR(cal.Save(a.calibration_out));
    out.report["calibration_file"] = a.calibration_out;
  }
  if (!a.json_out.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, out.report.dump(1)));
  if (!a.html.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::string html,
                            eval::RenderHtml({{out.report, nullptr}}, "Candor open-set evaluation"));
    CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.html, html));
  }
  if (global.json) {
    std::cout << out.report.dump(1) << std::endl;
  } else {
    const auto& r = out.report;
    std::cout << "model " << r["model"]["id"].get<std::string>() << ": "
              << r["counts"]["enrolled"] << " enrolled, " << r["counts"]["mated_probes"]
              << " mated and " << r["counts"]["nonmated_probes"] << " non-mated searches\n";
    for (const auto& p : r["fnir_at_fpir"]) {
      std::cout << "  FNIR at FPIR " << 100 * p["fpir"].get<double>() << " %: "
                << 100 * p["fnir"].get<double>() << " % (threshold " << p["threshold"] << ")"
                << (p["supported"].get<bool>() ? "" : "  [below what the searches support]")
                << "\n";
    }
    std::cout << "  rank-1 / 5 / 20 / 50: " << r["cmc"]["hit_rate"][0] << " / "
              << r["cmc"]["hit_rate"][4] << " / " << r["cmc"]["hit_rate"][19] << " / "
              << r["cmc"]["hit_rate"][49] << "\n";
    if (r.contains("matched_impostors")) {
      std::cout << "  impostor pairs at the operating threshold "
                << r["matched_impostors"]["threshold"] << ":\n";
      for (const auto& m : r["matched_impostors"]["rows"]) {
        std::cout << "    " << m["pairs"].get<std::string>() << ": FMR " << m["fmr"] << " (95 % "
                  << m["fmr_ci"][0] << "-" << m["fmr_ci"][1] << "), " << m["false_matches"]
                  << " of " << m["impostor_pairs"] << " pairs, " << m["identities"]
                  << " identities\n";
      }
    }
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "eval identify",
    "Open-set 1:N evaluation (FNIR at FPIR, CMC, DET, gallery growth, per-group differentials)",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--data", a->in.data, "Labelled folder <identity>/<image> (default $CANDOR_DATA/faces/lfw)");
      sub.add_option("--labels", a->labels, "LFW protocol folder with gender/race labels (default $CANDOR_DATA/faces/lfw-protocol)");
      sub.add_option("--groups", a->groups,
                     "Group labels of your own set instead of LFW's: lines identity,key=value,... "
                     "(e.g. sex=female,group=...)");
      sub.add_flag("--no-labels", a->no_labels, "Skip the demographic analysis");
      sub.add_option("--impostors", a->impostors,
                     "random (default) | matched: also FMR of same-sex / same-race impostor "
                     "pairs next to random pairs at the operating threshold")
          ->check(CLI::IsMember({"random", "matched"}));
      sub.add_option("--embeddings", a->in.embeddings, "Read this embeddings cache instead of running the pipeline");
      AddTruthCorrectionsFlag(sub, &a->in);
      sub.add_option("--json-out", a->json_out, "Write the machine-readable result here");
      sub.add_option("--html", a->html, "Write the HTML report (inline SVG) here");
      sub.add_option("--calibration-out", a->calibration_out, "Also write the calibration built from the calibration identities");
      sub.add_option("--cache", a->in.cache_dir, "Embedding cache directory (default build/eval-cache)");
      sub.add_option("--model", a->in.model, "Embedder id (default: the pipeline's default)");
      sub.add_option("--models", a->in.models_dir, "Directory of converted models");
      sub.add_option("--threads", a->in.threads, "Pipeline workers")->check(CLI::Range(1, 64));
      sub.add_option("--max-images", a->in.max_images, "Use a stable subset of identities with at most this many images (0 = all)");
      sub.add_option("--split-seed", a->options.split_seed, "Seed of the identity split");
      sub.add_option("--dataset", a->options.dataset, "Name of the data set, recorded in the report and calibration");
      sub.add_option("--calibration-fraction", a->options.calibration_fraction, "Share of identities used for calibration")
          ->check(CLI::Range(0.05, 0.95));
      sub.add_option("--nonmated", a->options.max_nonmated, "Non-mated searches (other singletons become distractors)");
      sub.add_option("--operating-fmr", a->options.operating_fmr, "FMR the demographic operating threshold is calibrated for")
          ->check(CLI::Range(1e-9, 0.5));
      sub.add_option("--bootstrap", a->options.bootstrap_replicates, "Bootstrap replicates")->check(CLI::Range(10, 100000));
      sub.add_option("--synthetic-sizes", a->options.synthetic_gallery_sizes, "Gallery sizes with synthetic distractors");
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
