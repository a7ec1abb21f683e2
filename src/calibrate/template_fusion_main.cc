// Copyright 2026 The Candor Authors.
//
// candor-template-fusion: several templates per subject scored as a gallery
// can score them (one template, max, centroid, max of both), on all of LFW and
// in the wild, with bootstrap intervals (protocol in calibrate/
// template_fusion.h; results in docs/ACCURACY.md, "Several templates per
// subject as a gallery setting").
//
//   candor-template-fusion --embeddings build-accuracy/eval-cache/embeddings-….bin
//       [--wild $CANDOR_DATA/faces/wild --cache DIR] [--model M] [--duplicate-score S]
//       [--bootstrap 1000] [--nonmated-from-calibration-side] [--json-out F]
//       [--truth-corrections calibration/lfw-truth-corrections.tsv]
//
// --embeddings: the all-LFW cache `candor eval identify --cache DIR` writes
// for the model. --wild: a folder with identity_clusters.csv (image,cluster),
// embedded by the model's default pipeline through --cache. Errors: printed;
// exit 1.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "calibrate/embed_folder.h"
#include "calibrate/embedding_set.h"
#include "calibrate/template_fusion.h"
#include "calibrate/truth_corrections.h"

namespace {

candor::StatusOr<candor::eval::EmbeddingSet> EmbedWild(const std::string& root, const std::string& model,
                                                       const std::string& cache, int threads) {
  std::ifstream in(root + "/identity_clusters.csv");
  if (!in) return candor::NotFoundError("no identity_clusters.csv in " + root);
  std::vector<candor::eval::LabelledImage> images;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    std::string cluster = line.substr(comma + 1);
    while (!cluster.empty() && (cluster.back() == '\r' || cluster.back() == ' ')) cluster.pop_back();
    images.push_back({"cluster-" + cluster, line.substr(0, comma)});
  }
  candor::PipelineOptions po;
  po.embedder = model;
  po.threads = threads;
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, candor::Pipeline::Open(po));
  candor::eval::EmbedFolderOptions eo;
  eo.cache_dir = cache;
  eo.threads = threads;
  return candor::eval::EmbedLabelledImages(*pipeline, root, images, eo);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Several templates per subject: one, max, centroid, max of both (LFW and in the wild)"};
  std::string embeddings, wild, cache, model, json_out, corrections;
  int threads = 2;
  candor::eval::TemplateFusionOptions o;
  app.add_option("--embeddings", embeddings, "All-LFW embedding cache (candor eval identify --cache)")->required();
  app.add_option("--wild", wild, "In-the-wild folder with identity_clusters.csv");
  app.add_option("--cache", cache, "Embedding cache directory for --wild");
  app.add_option("--model", model, "Embedder for --wild (must be the model of --embeddings)");
  app.add_option("--threads", threads, "Pipeline workers for --wild");
  app.add_option("--nonmated", o.max_nonmated, "Non-mated searches");
  app.add_flag("--nonmated-from-calibration-side", o.nonmated_from_calibration_side,
               "Also search the calibration side's single-image identities as non-mated "
               "searches of the evaluation gallery");
  app.add_option("--fpir", o.target_fpir, "Target FPIR");
  app.add_option("--bootstrap", o.bootstrap, "Bootstrap replicates")->check(CLI::Range(10, 100000));
  app.add_option("--duplicate-score", o.duplicate_score,
                 "LFW subjects scoring this with an in-the-wild identity are left out of that gallery");
  app.add_option("--json-out", json_out, "Write the result as JSON here");
  app.add_option("--truth-corrections", corrections,
                 "Apply these reviewed ground-truth corrections to the LFW set first");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto lfw = candor::eval::LoadEmbeddingSet(embeddings);
  if (!lfw.ok()) {
    std::cerr << lfw.status().ToString() << "\n";
    return 1;
  }
  nlohmann::json corrected;
  if (!corrections.empty()) {
    auto applied = candor::eval::ApplyTruthCorrectionsFile(corrections, &*lfw);
    if (!applied.ok()) {
      std::cerr << applied.status().ToString() << "\n";
      return 1;
    }
    corrected = *std::move(applied);
    std::printf("ground truth corrected by %s: %s\n", corrections.c_str(), corrected.dump().c_str());
  }
  std::optional<candor::eval::EmbeddingSet> w;
  if (!wild.empty()) {
    auto e = EmbedWild(wild, model.empty() ? lfw->model_id : model, cache, threads);
    if (!e.ok()) {
      std::cerr << e.status().ToString() << "\n";
      return 1;
    }
    if (e->settings != lfw->settings) {
      std::cerr << "note: pipeline settings differ: LFW " << lfw->settings << ", wild " << e->settings << "\n";
    }
    w = std::move(*e);
  }
  auto r = candor::eval::RunTemplateFusion(*lfw, w ? &*w : nullptr, o);
  if (!r.ok()) {
    std::cerr << r.status().ToString() << "\n";
    return 1;
  }
  auto& j = *r;
  if (!corrected.is_null()) j["truth_corrections"] = corrected;
  std::printf("model %s\n", j["model"]["id"].get<std::string>().c_str());
  std::printf("| protocol | rule | gallery | searches mated (identities) / non-mated | FNIR at FPIR %.0f %% (95 %% CI) "
              "| minus max (95 %% CI) | rank-1 | calibration-side threshold: FPIR / FNIR |\n|---|---|---|---|---|---|---|---|\n",
              100 * o.target_fpir);
  for (const char* part : {"lfw", "wild"}) {
    if (j[part].is_null()) continue;
    for (const auto& row : j[part]["rows"]) {
      std::string cal = "-";
      if (row.contains("calibrated_threshold")) {
        char b[160];
        std::snprintf(b, sizeof b, "%.3f: %.2f %% (%.2f-%.2f) / %.2f %%", row["calibrated_threshold"].get<double>(),
                      100 * row["fpir_at_calibrated"].get<double>(), 100 * row["fpir_at_calibrated_ci"][0].get<double>(),
                      100 * row["fpir_at_calibrated_ci"][1].get<double>(), 100 * row["fnir_at_calibrated"].get<double>());
        cal = b;
      }
      std::printf("| %s | %s | %zu + %zu | %zu (%zu) / %zu | %.2f %% (%.2f-%.2f) | %+.2f (%+.2f..%+.2f) | %.2f %% | %s |\n",
                  part, row["rule"].get<std::string>().c_str(), row["subjects"].get<std::size_t>(),
                  row["distractors"].get<std::size_t>(), row["mated"].get<std::size_t>(),
                  row["mated_identities"].get<std::size_t>(), row["nonmated"].get<std::size_t>(),
                  100 * row["fnir"].get<double>(), 100 * row["fnir_ci"][0].get<double>(),
                  100 * row["fnir_ci"][1].get<double>(), 100 * row["fnir_minus_max"].get<double>(), 100 * row["fnir_minus_max_ci"][0].get<double>(),
                  100 * row["fnir_minus_max_ci"][1].get<double>(), 100 * row["rank1"].get<double>(), cal.c_str());
    }
  }
  if (!j["wild"].is_null()) {
    std::printf("in the wild: %zu identities enrolled, %zu LFW subjects left out as probable duplicates (score >= %.3f)\n",
                j["wild"]["identities_enrolled"].get<std::size_t>(),
                j["wild"]["lfw_subjects_left_out_as_probable_duplicates"].get<std::size_t>(),
                j["wild"]["duplicate_score"].get<double>());
  }
  if (!json_out.empty()) std::ofstream(json_out) << j.dump(1) << "\n";
  return 0;
}
