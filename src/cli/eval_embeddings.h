// Copyright 2026 The Candor Authors.
//
// The labelled embedding set the evaluation commands (calibrate, eval
// identify, eval gallery-calibration) work on: read from --embeddings FILE,
// or made by the Pipeline from a labelled folder (default
// $CANDOR_DATA/faces/lfw) with the on-disk cache (default build/eval-cache);
// and the group labels of its identities.
// Header-only; used only by the CLI.

#ifndef CANDOR_CLI_EVAL_EMBEDDINGS_H_
#define CANDOR_CLI_EVAL_EMBEDDINGS_H_

#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#ifdef CANDOR_HAVE_PIPELINE
#include "calibrate/embed_folder.h"
#endif
#include "calibrate/embedding_set.h"
#include "calibrate/labelled_set.h"
#include "calibrate/truth_corrections.h"
#include "common/paths.h"

namespace candor::cli {

struct EvalEmbeddingFlags {
  std::string data, embeddings, cache_dir, model, models_dir;
  std::string truth_corrections;  // reviewed ground-truth corrections, applied after loading
  int threads = 2;
  std::size_t max_images = 0;
};

// `given`, else $CANDOR_DATA/<rel>, else ../shared/data/<rel>.
inline std::filesystem::path DataOr(const std::string& given, const char* rel) {
  if (!given.empty()) return given;
  auto d = DataDir();
  return d ? *d / rel : std::filesystem::path("../shared/data") / rel;
}

inline StatusOr<eval::EmbeddingSet> LoadEmbeddingsOnly(const EvalEmbeddingFlags& f) {
  if (!f.embeddings.empty()) return eval::LoadEmbeddingSet(f.embeddings);
#ifdef CANDOR_HAVE_PIPELINE
  eval::FolderEmbedRequest r;
  r.data = DataOr(f.data, "faces/lfw");
  r.model = f.model;
  r.model_dir = f.models_dir;
  r.threads = f.threads;
  r.cache_dir = f.cache_dir.empty() ? SourceDir() / "build" / "eval-cache"
                                    : std::filesystem::path(f.cache_dir);
  r.max_images = f.max_images;
  return eval::EmbedFolder(r);
#else
  return UnimplementedError("built without the pipeline: pass --embeddings FILE");
#endif
}

// The set with `f.truth_corrections` applied (calibrate/truth_corrections.h);
// what was applied goes to `*applied` (null JSON when none were asked for).
inline StatusOr<eval::EmbeddingSet> LoadEvalEmbeddings(const EvalEmbeddingFlags& f,
                                                       nlohmann::json* applied = nullptr) {
  CANDOR_ASSIGN_OR_RETURN(eval::EmbeddingSet set, LoadEmbeddingsOnly(f));
  if (f.truth_corrections.empty()) return set;
  CANDOR_ASSIGN_OR_RETURN(nlohmann::json done, eval::ApplyTruthCorrectionsFile(f.truth_corrections, &set));
  if (applied) *applied = std::move(done);
  return set;
}

// Registers --truth-corrections for `f`.
inline void AddTruthCorrectionsFlag(CLI::App& sub, EvalEmbeddingFlags* f) {
  sub.add_option("--truth-corrections", f->truth_corrections,
                 "Apply these reviewed ground-truth corrections first "
                 "(calibration/lfw-truth-corrections.tsv)");
}

// Group labels for the demographic analysis: none with `no_labels`; from
// `groups_csv` ("identity,key=value,...") when given; else LFW's protocol
// folder (`lfw_protocol`, default $CANDOR_DATA/faces/lfw-protocol).
inline StatusOr<std::optional<eval::GroupLabels>> LoadEvalGroups(const std::string& groups_csv,
                                                                const std::string& lfw_protocol,
                                                                bool no_labels) {
  if (no_labels) return std::optional<eval::GroupLabels>();
  auto l = groups_csv.empty() ? eval::LoadLfwGroups(DataOr(lfw_protocol, "faces/lfw-protocol"))
                              : eval::LoadGroupsCsv(groups_csv);
  if (!l.ok()) return l.status().WithContext("group labels (use --no-labels to skip)");
  return std::optional<eval::GroupLabels>(std::move(*l));
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_EVAL_EMBEDDINGS_H_
