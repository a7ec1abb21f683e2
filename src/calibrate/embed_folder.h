// Copyright 2026 The Candor Authors.
//
// Embeds a labelled folder (`<root>/<identity>/<image>`) through the Pipeline
// API, one face per image (the face nearest the centre among faces at least
// 30 % of the largest one's area: LFW centres the named person), with an
// on-disk cache keyed by the embedder's ONNX SHA-256 and Pipeline::SettingsKey()
// so a cache is never reused across models or settings. The cache is saved
// every `checkpoint_every` new images so an interrupted run resumes.
//
// Images where no face is found or decoding fails are kept with ok = false
// (failures to acquire, counted by the evaluation). Errors: those of Pipeline
// (e.g. NOT_FOUND for missing models) and of the folder scan.
// Thread safety: runs `threads` workers on the given pipeline.

#ifndef CANDOR_CALIBRATE_EMBED_FOLDER_H_
#define CANDOR_CALIBRATE_EMBED_FOLDER_H_

#include <filesystem>
#include <string>
#include <vector>

#include "calibrate/embedding_set.h"
#include "calibrate/labelled_set.h"
#include "candor/pipeline.h"

namespace candor::eval {

struct EmbedFolderOptions {
  std::filesystem::path cache_dir;  // empty: no cache
  int threads = 1;
  std::size_t checkpoint_every = 1000;
  bool progress = true;  // a progress line on stderr
};

StatusOr<EmbeddingSet> EmbedLabelledImages(const Pipeline& pipeline,
                                           const std::filesystem::path& root,
                                           const std::vector<LabelledImage>& images,
                                           const EmbedFolderOptions& options);

// What `candor calibrate` and `candor eval identify` ask for: open the
// Pipeline, scan the folder, optionally keep a deterministic subset of
// identities (by SHA-256 of the name, so the subset is stable) holding at most
// `max_images` images, and embed with the cache.
struct FolderEmbedRequest {
  std::filesystem::path data;       // labelled folder
  std::string model;                // embedder id; empty: the Pipeline's default
  std::filesystem::path model_dir;  // empty: ModelDir()
  int threads = 2;
  std::filesystem::path cache_dir;  // empty: no cache
  std::size_t max_images = 0;       // 0: all
};
StatusOr<EmbeddingSet> EmbedFolder(const FolderEmbedRequest& request);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_EMBED_FOLDER_H_
