// Copyright 2026 The Candor Authors.
//
// What `candor identify` and `candor verify` share before their searches
// diverge: the store opened read-only, its governance gate (search_gate.h),
// the request's common fields, the probe factory that embeds the probe with
// the gallery's own model, and the gallery's calibration. Header-only; used
// only by the CLI.

#ifndef CANDOR_CLI_CLI_SEARCH_H_
#define CANDOR_CLI_CLI_SEARCH_H_

#include <memory>
#include <string>

#include "cli/gallery_flags.h"
#include "cli/pipeline_flags.h"
#include "cli/probe_util.h"
#include "cli/search_gate.h"
#include "server/governed_search.h"

namespace candor::cli {

struct CliSearch {
  std::unique_ptr<Store> store;
  SearchGate gate;
  SearchRequest req;  // kind, gallery, authorization and probe hash filled in
};

// Errors: the store's, the gate's (unknown operator, bad audit key) and an
// unreadable probe file's.
inline StatusOr<CliSearch> BeginCliSearch(const StoreFlags& store, const SearchGateFlags& gate,
                                          SearchKind kind, const std::string& gallery,
                                          const std::string& image) {
  CliSearch s;
  CANDOR_ASSIGN_OR_RETURN(s.store, OpenStore(store, false, /*read_only=*/true));
  CANDOR_ASSIGN_OR_RETURN(s.gate, OpenSearchGate(gate, store));
  s.req.kind = kind;
  s.req.gallery = gallery;
  s.req.authorization_id = gate.authorization;
  CANDOR_ASSIGN_OR_RETURN(s.req.probe_hash, ProbeHash(image));
  return s;
}

// The probe's template, embedded with the gallery's model unless --embedder
// says otherwise. `store` must outlive the factory.
inline ProbeFactory GalleryProbe(Store& store, const std::string& gallery,
                                 const std::string& image, const PipelineFlags& flags) {
  return [&store, gallery, image, flags]() -> StatusOr<Template> {
    CANDOR_ASSIGN_OR_RETURN(GalleryInfo g, store.GetGallery(gallery));
    PipelineOptions po = ToPipelineOptions(flags);
    if (po.embedder.empty()) po.embedder = g.model_id;
    return LoadProbe(image, po);
  };
}

// The calibration for the gallery's model (FAILED_PRECONDITION for a gallery
// with nothing enrolled yet, which has no model).
inline StatusOr<Calibration> GalleryCalibration(const GalleryInfo& g, const std::string& path) {
  if (g.model_id.empty()) return FailedPreconditionError("gallery '" + g.name + "' is empty");
  return LoadCalibrationFor(path, g.model_id, g.model_sha256);
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_CLI_SEARCH_H_
