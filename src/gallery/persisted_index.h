// Copyright 2026 The Candor Authors.
//
// A gallery's compressed search index kept on disk beside the store
// (docs/STORE.md, "The compressed search index"): DIR/index/<gallery row>/,
// the files of CreateIndex/OpenIndex (candor/index.h), encrypted under a key
// derived from the store's master key for that gallery (crypto_kdf, context
// "cndrindx", subkey id = gallery row).
//
// At Store::Open the index is reopened by mmap instead of being rebuilt from
// the sealed segments, and reconciled with the metadata (the commit point):
// templates committed but missing from the index (a crash between the
// metadata commit and the index add) are listed for the loader to add;
// index entries whose template is no longer in the metadata (a crash between
// a deletion's commit and the index's durable removal) are removed at once,
// before any search, so a deleted subject stays unfindable across a crash.
//
// Thread safety: call during Store::Open / CreateGallery (under the store's
// write lock).

#ifndef CANDOR_GALLERY_PERSISTED_INDEX_H_
#define CANDOR_GALLERY_PERSISTED_INDEX_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "candor/index.h"
#include "candor/status.h"
#include "gallery/crypto.h"

namespace candor::gallery {

// "IVF..." and "Auto" are kept on disk; Flat indexes live in memory.
bool IsPersistentSpec(std::string_view spec);

// The store's retraining policy for the compressed indexes it makes: retrain
// (new partition, codes, and a re-measured setting) in the background once
// the gallery holds this many times the templates its setting was measured
// at (IvfPqSpec::retrain_growth). A spec's own Retrain<x> wins (Retrain0:
// never); an index made without one gets this at every writer's open.
// Specs that differ only in their Retrain part share files.
inline constexpr int kStoreRetrainGrowth = 2;
// `spec` with ",Retrain<kStoreRetrainGrowth>" appended if it is a compressed
// spec for `dim` dimensions without a Retrain part (search::ParseIvfPqSpec);
// any other spec unchanged (one that does not parse is CheckIndexSpec's to refuse).
std::string WithRetrainPolicy(std::string_view spec, int dim);

// OK if `spec` (StoreOptions::index_spec; "" included) makes an index of `dim`
// dimensions (ValidateIndexSpec, candor/index.h: parsing only); dim 0: of some dimension (the largest an index
// takes), leaving PQ<m> <= dim to the check with the gallery's own. Else
// INVALID_ARGUMENT naming the bad part. Touches nothing: the store calls it
// before it removes or rebuilds any index files, so a spec that does not parse
// never costs a gallery its index.
[[nodiscard]] Status CheckIndexSpec(std::string_view spec, int dim);

// DIR/index/<gallery row>.
std::string GalleryIndexDir(const std::string& store_dir, int64_t gallery_row);

// The gallery's index files and key (32 bytes derived from `master`).
IndexFiles GalleryIndexFiles(const std::string& store_dir, const Key& master,
                             int64_t gallery_row, bool read_only);

// True if the gallery has index files (a MANIFEST).
bool HasPersistedIndex(const std::string& store_dir, int64_t gallery_row);

struct GalleryIndex {
  std::unique_ptr<Index> index;
  // Template ids the loader must still decrypt and add (sorted); nullopt: all
  // of the gallery's templates (a new, rebuilt or in-memory index).
  std::optional<std::vector<int64_t>> load;
  bool persisted = false;       // the index lives on disk
  int64_t reused = 0;           // templates the opened files already held
  int64_t removed = 0;          // entries removed because the metadata no longer has them
  std::string rebuilt_because;  // non-empty: the files were unusable and are rebuilt
};

// A fresh index for a new gallery (or one whose model was just bound): on disk
// for a persistent spec (any old files in its directory are removed first,
// after CheckIndexSpec), else in memory.
StatusOr<std::unique_ptr<Index>> NewGalleryIndex(const std::string& store_dir, const Key& master,
                                                 int64_t gallery_row, std::string_view spec,
                                                 int dim);

// The index of an existing gallery at Store::Open. `spec` is StoreOptions::
// index_spec ("" = the gallery's persisted index if it has one, else
// Flat,int8). `template_ids`: the gallery's template ids in the metadata,
// ascending. A writer creates, rebuilds (spec changed, files damaged: the
// reason is in rebuilt_because) or reconciles the files; a Flat spec removes
// them (the explicit choice of an in-memory index leaves no stale copy). A
// reader (read_only) never writes: it uses the files only if they match the
// metadata exactly, else it builds the index in memory. A spec CheckIndexSpec
// refuses is refused before anything on disk is touched.
StatusOr<GalleryIndex> OpenGalleryIndex(const std::string& store_dir, const Key& master,
                                        int64_t gallery_row, std::string_view spec, int dim,
                                        bool read_only, const std::vector<int64_t>& template_ids);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_PERSISTED_INDEX_H_
