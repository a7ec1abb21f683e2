// Copyright 2026 The Candor Authors.
//
// candor-score-experiment: cohort normalisation, quality-aware scores and
// several templates per subject, each against plain cosine, by rescoring one
// embedding cache (issue 10 item 4; protocol in calibrate/score_variants.h,
// results in docs/ACCURACY.md, "Lower FNIR at a fixed FPIR").
//
//   candor-score-experiment --embeddings build-accuracy/eval-cache/embeddings-….bin
//       [--nonmated 1000] [--cohort 2000] [--json-out F]
//   candor-score-experiment --data $CANDOR_DATA/faces/lfw --cache DIR [--threads 2] ...
//
// The cache is the one `candor eval identify --cache DIR` writes (all of LFW
// embedded once by the default pipeline); with --data the folder is embedded
// through that same cache. Errors: printed; exit 1.

#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "calibrate/embed_folder.h"
#include "calibrate/embedding_set.h"
#include "calibrate/score_variants.h"

int main(int argc, char** argv) {
  CLI::App app{"Rescoring experiments for 1:N: cohort normalisation, quality-aware scores, multi-template"};
  std::string embeddings, json_out;
  candor::eval::ScoreVariantOptions o;
  candor::eval::FolderEmbedRequest fr;
  std::string data, cache;
  auto* emb = app.add_option("--embeddings", embeddings, "Embedding cache of a labelled set (candor eval identify --cache)");
  app.add_option("--data", data, "Or: embed this labelled folder (through --cache)")->excludes(emb);
  app.add_option("--cache", cache, "Embedding cache directory for --data");
  app.add_option("--threads", fr.threads, "Pipeline workers for --data");
  app.add_option("--nonmated", o.max_nonmated, "Non-mated searches (other singletons become distractors)");
  app.add_option("--cohort", o.cohort_size, "Calibration-side images in the cohort");
  app.add_option("--fpir", o.target_fpir, "Target FPIR");
  app.add_option("--json-out", json_out, "Write the result as JSON here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (embeddings.empty() && data.empty()) {
    std::cerr << "give --embeddings FILE or --data DIR\n";
    return 1;
  }
  fr.data = data;
  fr.cache_dir = cache;
  auto set = embeddings.empty() ? candor::eval::EmbedFolder(fr) : candor::eval::LoadEmbeddingSet(embeddings);
  if (!set.ok()) {
    std::cerr << set.status().ToString() << "\n";
    return 1;
  }
  auto r = candor::eval::RunScoreVariants(*set, o);
  if (!r.ok()) {
    std::cerr << r.status().ToString() << "\n";
    return 1;
  }
  const auto& j = *r;
  std::printf("model %s; %s\n", j["model"]["id"].get<std::string>().c_str(), j["counts"].dump().c_str());
  std::printf("adaptive k chosen on the calibration identities: %d\n", j["chosen_k"].get<int>());
  for (const auto& t : j["tuning"]) {
    std::printf("  tuning %-28s FNIR (distractors) %.2f %%\n", t["variant"].get<std::string>().c_str(),
                100 * t["fnir_distractors"].get<double>());
  }
  std::printf("\n| protocol | variant | subjects + distractors | mated / non-mated | FNIR at FPIR %.0f %% | with real "
              "distractors | rank-1 (with distractors) |\n|---|---|---|---|---|---|---|\n",
              100 * o.target_fpir);
  for (const auto& row : j["rows"]) {
    std::printf("| %s | %s | %zu + %zu | %zu / %zu | %.2f %% | %.2f %% | %.2f %% |\n",
                row["protocol"].get<std::string>().c_str(), row["variant"].get<std::string>().c_str(),
                row["subjects"].get<std::size_t>(), row["distractors"].get<std::size_t>(),
                row["mated"].get<std::size_t>(), row["nonmated"].get<std::size_t>(),
                100 * row["fnir_base"].get<double>(), 100 * row["fnir_distractors"].get<double>(),
                100 * row["rank1_distractors"].get<double>());
  }
  for (const auto& n : j["notes"]) std::printf("note: %s\n", n.get<std::string>().c_str());
  if (!json_out.empty()) std::ofstream(json_out) << j.dump(1) << "\n";
  return 0;
}
