// Copyright 2026 The Candor Authors.
//
// In-gallery calibration of a stored gallery, run and stored the same way
// from `candor calibrate --gallery` and from the admin API
// (POST /v1/galleries/{name}/calibration): measures the gallery side
// (candor/gallery_calibration.h), adds the probe side when probe-like
// templates of people known not to be enrolled are given, adds the reviewed
// outcomes of past searches when the search record is given (candidates
// examiners rejected: FPIR at and above the thresholds searched), stores the result
// as the gallery's calibration and drops what a SearchCalibration cached for
// the gallery, so the next search uses it.
//
// The caller checks the role (admin) and audits "gallery.calibrate" with
// `audit_detail` (counts only, never a subject id). The result's JSON holds
// the probable duplicates (subject ids, for the admin's review; never stored)
// and the thresholds the new calibration gives at FPIR 10 %, 1 % and 0.1 %.
//
// Finger galleries: their own search scores (candor/gallery_calibration.h); the
// default duplicate score falls back to the finger model calibration's median
// mate score when it has no tail fit; probes are refused (UNIMPLEMENTED).
//
// Errors: NOT_FOUND unknown gallery; FAILED_PRECONDITION empty or too small
// a gallery (fewer than 16 subjects), no model calibration for the default
// duplicate score, a read-only store; INVALID_ARGUMENT bad options or too few
// probes; the store's errors. Nothing is stored on any error.
// Thread safety: reads the store alongside searches; one writer at a time.

#ifndef CANDOR_SEARCH_DESK_RECALIBRATE_H_
#define CANDOR_SEARCH_DESK_RECALIBRATE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "candor/gallery_calibration.h"
#include "search_desk/search_book.h"
#include "search_desk/thresholds.h"

namespace candor {

struct RecalibrationRequest {
  std::string gallery;
  GalleryCalibrationOptions options;  // duplicate_score NaN: from the model calibration
  std::string policy;                 // "" (default), "pooled" or "worst-group"
  bool if_stale = false;              // only when missing, for another model, or stale
  bool dry_run = false;               // measure, do not store
  std::vector<Template> probes;       // probe side (empty: none)
  std::string probe_source;           // what the probes are, in words
  int probe_files_without_face = 0;   // reported only
  // The sealed search record (may be null: no reviewed outcomes). Its
  // completed reviews of this gallery's searches become the reviewed-outcome
  // side (search_desk/reviewed_searches.h); too few of them leave a note in
  // the result and the stored document, not a number.
  const SearchBook* book = nullptr;
  ReviewedOutcomesOptions reviewed;
};

struct RecalibrationResult {
  nlohmann::json summary;    // what the CLI prints and the API answers
  std::string audit_detail;  // counts only
};

// `calibration` gives the model calibration (the default duplicate score)
// and has the gallery's cached calibration dropped once the new one is stored.
StatusOr<RecalibrationResult> RecalibrateGallery(Store& store, const RecalibrationRequest& request,
                                                 const SearchCalibration& calibration);

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_RECALIBRATE_H_
