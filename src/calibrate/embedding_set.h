// Copyright 2026 The Candor Authors.
//
// A labelled set of face embeddings made by one model: what `candor calibrate`
// and `candor eval identify` compute once (minutes for LFW) and then reuse.
// Cached on disk keyed by the model's SHA-256 and the pipeline settings, so a
// cache made by another model or settings is never used.
//
// File: line 1 "candor-embeddings 1", line 2 a JSON header (model id, model
// sha256, settings, dim, entries [{path, identity, ok, q?}]; q is the
// face quality score, absent in older files), then the float32
// little-endian vectors of the ok entries in order, then a masked CRC-32C of
// everything before it. Load returns DATA_LOSS for a corrupt or truncated
// file. Save is atomic.
//
// The file holds embeddings of the data: it lives under the build tree's
// cache (never in the repository). Thread safety: plain values.

#ifndef CANDOR_CALIBRATE_EMBEDDING_SET_H_
#define CANDOR_CALIBRATE_EMBEDDING_SET_H_

#include <filesystem>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::eval {

struct EmbeddedImage {
  std::string path;      // relative to the data root
  std::string identity;
  bool ok = false;       // false: no face / decode failure (failure to acquire)
  std::vector<float> v;  // L2-normalised embedding when ok
  int quality = -1;      // the face's 0..100 quality score; -1 = not recorded
};

struct EmbeddingSet {
  std::string model_id;
  std::string model_sha256;  // hex
  std::string settings;      // pipeline settings key
  std::vector<EmbeddedImage> images;
};

Status SaveEmbeddingSet(const EmbeddingSet& set, const std::filesystem::path& file);
StatusOr<EmbeddingSet> LoadEmbeddingSet(const std::filesystem::path& file);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_EMBEDDING_SET_H_
