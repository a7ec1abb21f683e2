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

#include "candor/gallery_calibration.h"
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

// The identify threshold for a target FPIR at the gallery's current size:
// from the gallery's stored in-gallery calibration (candor/
// gallery_calibration.h) when it has one for the gallery's model, else from
// the model's calibration file. `source` receives which, in words. A stored
// calibration that fails its integrity check is an error, never skipped.
inline StatusOr<float> IdentifyThreshold(const Store& store, const GalleryInfo& g,
                                         const std::string& calibration_path, double target,
                                         std::string* source) {
  const int64_t n = std::max<int64_t>(1, g.subjects);
  auto stored = LoadGalleryCalibration(store, g.name);
  std::string why;
  if (stored.ok()) {
    Status model = stored->CheckModel(g.model_id, HexEncode(g.model_sha256));
    if (model.ok()) {
      CANDOR_ASSIGN_OR_RETURN(ThresholdDecision d, stored->ThresholdForFpir(target, n));
      if (source) *source = d.source + (d.stale ? " (stale: recalibrate)" : "");
      return static_cast<float>(d.threshold);
    }
    why = "; the stored gallery calibration is for another model: recalibrate";
  } else if (stored.status().code() != Code::kNotFound &&
             stored.status().code() != Code::kUnimplemented) {
    return stored.status();
  }
  CANDOR_ASSIGN_OR_RETURN(Calibration c, GalleryCalibration(g, calibration_path));
  CANDOR_ASSIGN_OR_RETURN(ThresholdChoice choice,
                          c.ThresholdForFpir(target, static_cast<uint64_t>(n)));
  if (source) {
    *source = "model calibration " +
              (calibration_path.empty() ? "calibration/" + g.model_id + ".json" : calibration_path) +
              " (no in-gallery calibration" + (why.empty() ? ")" : why + ")");
  }
  return static_cast<float>(choice.threshold);
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_CLI_SEARCH_H_
