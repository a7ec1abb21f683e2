// Copyright 2026 The Candor Authors.
//
// Flags shared by the gallery commands (gallery, enroll, verify, identify,
// delete): where the store is and which key opens it, plus the calibration
// lookup. Header-only; used only by the CLI.
//   --store DIR       the store directory (else $CANDOR_STORE)
//   --key-file FILE   the store key (else $CANDOR_KEY_FILE, else $CANDOR_KEY hex)

#ifndef CANDOR_CLI_GALLERY_FLAGS_H_
#define CANDOR_CLI_GALLERY_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "candor/calibration.h"
#include "candor/gallery.h"
#include "common/hash.h"
#include "common/paths.h"
#include "search_desk/thresholds.h"  // LoadCalibrationFor

namespace candor::cli {

struct StoreFlags {
  std::string store;
  std::string key_file;
  std::string index;  // StoreOptions::index_spec ("" = each gallery's own index)
};

inline void AddStoreFlags(CLI::App& sub, StoreFlags* f) {
  sub.add_option("--store", f->store, "Store directory (default $CANDOR_STORE)");
  sub.add_option("--key-file", f->key_file,
                 "Store key file, 64 hex digits, mode 0600 (default $CANDOR_KEY_FILE, else $CANDOR_KEY)");
  sub.add_option("--index", f->index,
                 "Search index (default $CANDOR_INDEX, else each gallery's index kept on disk, else "
                 "Flat,int8): IVF<n>,PQ<m>x4fs[,Recall<pct>] or Auto keep a compressed index on disk "
                 "(docs/STORE.md)");
}

inline StatusOr<std::unique_ptr<Store>> OpenStore(const StoreFlags& f, bool create, bool read_only) {
  CANDOR_ASSIGN_OR_RETURN(std::string dir, DefaultStoreDir(f.store));
  CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(f.key_file));
  StoreOptions o;
  o.master_key = key;
  o.create_if_missing = create;
  o.read_only = read_only;
  o.index_spec = f.index;
  if (const char* env = std::getenv("CANDOR_INDEX"); o.index_spec.empty() && env != nullptr) {
    o.index_spec = env;
  }
  auto store = Store::Open(dir, o);
  std::fill(o.master_key.begin(), o.master_key.end(), 0);
  std::fill(key.begin(), key.end(), 0);
  return store;
}

inline nlohmann::json RateJson(const RateEstimate& r) {
  return {{"value", r.value}, {"lower95", r.lower}, {"upper95", r.upper},
          {"extrapolated", r.extrapolated}, {"below_support", r.below_support}};
}

inline nlohmann::json GalleryJson(const GalleryInfo& g) {
  return {{"name", g.name},
          {"description", g.description},
          {"legal_basis", g.legal_basis},
          {"retention_class", g.retention_class},
          {"allowed_search_bases", g.allowed_search_bases},
          {"modality", g.modality},
          {"model_id", g.model_id},
          {"model_sha256", g.model_id.empty() ? std::string() : HexEncode(g.model_sha256)},
          {"dim", g.dim},
          {"subject_score", g.subject_score},
          {"subjects", g.subjects},
          {"templates", g.templates},
          {"created_at", g.created_at}};
}

inline constexpr char kLeadNote[] =
    "Candidates are investigative leads for trained human review, never identifications.";

}  // namespace candor::cli

#endif  // CANDOR_CLI_GALLERY_FLAGS_H_
