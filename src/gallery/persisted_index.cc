// Copyright 2026 The Candor Authors.

#include "gallery/persisted_index.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "search/ivf_pq_index.h"
#include "search/ivf_pq_spec.h"

namespace candor::gallery {
namespace {

namespace fs = std::filesystem;

StatusOr<std::unique_ptr<Index>> Fresh(const IndexFiles& files, std::string_view spec, int dim) {
  std::error_code ec;
  fs::remove_all(files.dir, ec);
  if (ec) return UnavailableError("cannot remove old index files in " + files.dir + ": " + ec.message());
  return CreateIndex(spec, dim, files);
}

// Ids in `a` and not in `b` (both ascending).
std::vector<int64_t> Minus(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

bool IsPersistentSpec(std::string_view spec) { return IsCompressedIndexSpec(spec); }

namespace {

// The compressed spec `text` for `dim` dimensions, or nullopt if it does not parse.
std::optional<search::IvfPqSpec> Parsed(std::string_view text, int dim) {
  auto s = search::ParseIvfPqSpec(text, dim);
  if (!s.ok()) return std::nullopt;
  return *std::move(s);
}

// The x of the spec's Retrain<x> part; nullopt if it has none (or does not parse).
std::optional<double> RetrainPartOf(std::string_view text, int dim) {
  const std::optional<search::IvfPqSpec> s = Parsed(text, dim);
  return s ? s->retrain_growth : std::nullopt;
}

// True if both specs parse and make the same index apart from the retraining
// policy (which is applied at open, not built into the files).
bool SameIndexApartFromRetrain(std::string_view a, std::string_view b, int dim) {
  std::optional<search::IvfPqSpec> x = Parsed(a, dim), y = Parsed(b, dim);
  if (!x || !y) return false;
  x->retrain_growth.reset();
  y->retrain_growth.reset();
  return *x == *y;
}

}  // namespace

std::string WithRetrainPolicy(std::string_view spec, int dim) {
  if (!IsPersistentSpec(spec)) return std::string(spec);
  const std::optional<search::IvfPqSpec> s = Parsed(spec, dim);
  if (!s || s->retrain_growth) return std::string(spec);
  return std::string(spec) + "," + search::FormatRetrainPart(kStoreRetrainGrowth);
}

Status CheckIndexSpec(std::string_view spec, int dim) {
  constexpr int kLargestDim = 4096;  // MakeIndex's
  return ValidateIndexSpec(spec, dim > 0 ? dim : kLargestDim);
}

std::string GalleryIndexDir(const std::string& store_dir, int64_t gallery_row) {
  return store_dir + "/index/" + std::to_string(gallery_row);
}

IndexFiles GalleryIndexFiles(const std::string& store_dir, const Key& master, int64_t gallery_row,
                             bool read_only) {
  IndexFiles f;
  f.dir = GalleryIndexDir(store_dir, gallery_row);
  f.key.resize(crypto_kdf_KEYBYTES);
  crypto_kdf_derive_from_key(f.key.data(), f.key.size(), static_cast<uint64_t>(gallery_row), "cndrindx",
                             master.bytes().data());
  f.read_only = read_only;
  return f;
}

bool HasPersistedIndex(const std::string& store_dir, int64_t gallery_row) {
  std::error_code ec;
  return fs::exists(GalleryIndexDir(store_dir, gallery_row) + "/MANIFEST", ec);
}

StatusOr<std::unique_ptr<Index>> NewGalleryIndex(const std::string& store_dir, const Key& master,
                                                 int64_t gallery_row, std::string_view spec, int dim) {
  if (!IsPersistentSpec(spec)) return MakeIndex(spec, dim);
  CANDOR_RETURN_IF_ERROR(CheckIndexSpec(spec, dim));
  IndexFiles files = GalleryIndexFiles(store_dir, master, gallery_row, false);
  auto made = Fresh(files, WithRetrainPolicy(spec, dim), dim);
  sodium_memzero(files.key.data(), files.key.size());
  return made;
}

StatusOr<GalleryIndex> OpenGalleryIndex(const std::string& store_dir, const Key& master,
                                        int64_t gallery_row, std::string_view spec, int dim,
                                        bool read_only, const std::vector<int64_t>& template_ids) {
  CANDOR_RETURN_IF_ERROR(CheckIndexSpec(spec, dim));
  GalleryIndex out;
  const bool on_disk = HasPersistedIndex(store_dir, gallery_row);
  const bool want_disk = IsPersistentSpec(spec) || (spec.empty() && on_disk);
  if (!want_disk) {
    if (on_disk && !read_only) {
      std::error_code ec;
      fs::remove_all(GalleryIndexDir(store_dir, gallery_row), ec);
      if (ec) return UnavailableError("cannot remove the gallery's index files: " + ec.message());
    }
    CANDOR_ASSIGN_OR_RETURN(out.index, MakeIndex(spec, dim));
    return out;
  }
  IndexFiles files = GalleryIndexFiles(store_dir, master, gallery_row, read_only);
  struct Wipe {
    IndexFiles* f;
    ~Wipe() { sodium_memzero(f->key.data(), f->key.size()); }
  } wipe{&files};

  std::unique_ptr<Index> disk;
  search::IvfPqIndex* ivf = nullptr;
  std::string why, disk_spec;
  if (on_disk) {
    auto opened = OpenIndex(files);
    if (!opened.ok()) {
      why = opened.status().ToString();
    } else {
      disk = std::move(*opened);
      ivf = static_cast<search::IvfPqIndex*>(disk.get());
      disk_spec = ivf->spec();
      if (ivf->dim() != dim) {
        why = "its dimension " + std::to_string(ivf->dim()) + " is not the gallery's " + std::to_string(dim);
      } else if (!spec.empty() && !SameIndexApartFromRetrain(disk_spec, spec, dim)) {
        // (The retraining policy alone is no reason to rebuild: it is applied below.)
        why = "its spec '" + disk_spec + "' is not the requested '" + std::string(spec) + "'";
      } else {
        out.index = std::move(disk);
      }
      disk.reset();
      if (!out.index) ivf = nullptr;
    }
  }
  if (read_only) {
    if (out.index) {
      const std::vector<int64_t> live = ivf->LiveIds();
      if (live == template_ids) {
        out.persisted = true;
        out.reused = static_cast<int64_t>(live.size());
        out.load = std::vector<int64_t>{};
        return out;
      }
    }
    // A reader cannot repair files a writer owns: search this snapshot in memory.
    const std::string use = !spec.empty() ? std::string(spec) : !disk_spec.empty() ? disk_spec : "Auto";
    CANDOR_ASSIGN_OR_RETURN(out.index, MakeIndex(use, dim));
    return out;
  }
  out.persisted = true;
  if (!out.index) {
    out.rebuilt_because = why;
    const std::string use = !spec.empty() ? std::string(spec) : !disk_spec.empty() ? disk_spec : "Auto";
    CANDOR_ASSIGN_OR_RETURN(out.index, Fresh(files, WithRetrainPolicy(use, dim), dim));
    return out;  // load: all
  }
  // The retraining policy: the requested spec's, else the files' own, else
  // the store's (an index made before the store had one gets it here).
  const double own = RetrainPartOf(disk_spec, dim).value_or(kStoreRetrainGrowth);
  ivf->SetRetrainGrowth(RetrainPartOf(spec, dim).value_or(own));
  const std::vector<int64_t> live = ivf->LiveIds();
  const std::vector<int64_t> extra = Minus(live, template_ids);
  if (!extra.empty()) CANDOR_RETURN_IF_ERROR(out.index->Remove(extra).WithContext("reconciling the index"));
  out.removed = static_cast<int64_t>(extra.size());
  out.reused = static_cast<int64_t>(live.size() - extra.size());
  out.load = Minus(template_ids, live);
  return out;
}

}  // namespace candor::gallery
