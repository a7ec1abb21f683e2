// Copyright 2026 The Candor Authors.
//
// Where a search's decision threshold and the error rates of its scores come
// from: one mechanism for the server, the CLI and enrolment's duplicate
// checks, so that a threshold and the rates shown beside it always come from
// the same calibration, and every search says which one (threshold_source).
//
//   SearchCalibration  the interface the search desk asks (search_desk.h);
//   OpenSearchCalibration  the calibrated one:
//     - 1:N (identify, duplicate check): the gallery's stored in-gallery
//       calibration (candor/gallery_calibration.h) when it has one for the
//       gallery's current model, else the model's calibration file; the FPIR
//       of a score comes from the same one (a gallery calibration's highest
//       estimate for it: gallery side, probe side, reviewed outcomes; scaled
//       to the current size);
//     - 1:1 (verify): the model's calibration file (FMR at a target); an
//       in-gallery calibration's pair sample rarely supports FMR 1e-4, so it
//       is not used for 1:1 (the source says so).
//     A stored gallery calibration is parsed once and kept until Invalidate
//     (the recalibration path calls it; the store's single-writer lock means
//     no other process can replace it while a service holds the store).
//     One that fails its integrity check is an error, never skipped.
//
// Errors: FAILED_PRECONDITION (an empty gallery has no model; a target the
// calibration cannot support), NOT_FOUND (no calibration file), DATA_LOSS (a
// stored calibration that fails to parse), the store's errors.
// Thread safety: every method may be called from many threads at once.

#ifndef CANDOR_SEARCH_DESK_THRESHOLDS_H_
#define CANDOR_SEARCH_DESK_THRESHOLDS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "candor/calibration.h"
#include "candor/gallery.h"
#include "candor/govern_types.h"

namespace candor {

// The calibration a threshold came from (the API's `threshold_calibration`).
inline constexpr char kFromGalleryCalibration[] = "gallery";  // the gallery's own
inline constexpr char kFromModelCalibration[] = "model";      // the model's file (e.g. LFW)
inline constexpr char kFromFixedThreshold[] = "fixed";        // set by the operator (load tests)

struct Threshold {
  float value = 0.0f;
  std::string calibration;  // kFromGalleryCalibration | kFromModelCalibration | kFromFixedThreshold
  std::string source;       // in words: which calibration, of when, of what size
  bool stale = false;       // a gallery calibration the gallery has outgrown: recalibrate
};

// The error rate a score stands for, from the same calibration as the
// threshold: for 1:N the FPIR of `score` in a gallery of `gallery_size`
// subjects, for 1:1 the FMR. `basis`: "measured" (counted in the calibration
// data), "extrapolated" (tail fit / independence model) or "upper_bound"
// (below what the data support: the true rate is at most this).
struct ScoreRate {
  double value = 0;
  std::string basis = "measured";
};

class SearchCalibration {
 public:
  virtual ~SearchCalibration() = default;
  // The decision threshold for a search of `kind` in `gallery` at its current size.
  virtual StatusOr<Threshold> ThresholdFor(const GalleryInfo& gallery, SearchKind kind) const = 0;
  // The error rate of `score` (see ScoreRate), from the calibration ThresholdFor uses.
  virtual StatusOr<ScoreRate> RateOf(const GalleryInfo& gallery, SearchKind kind, double score,
                                     int64_t gallery_size) const = 0;
  // The calibration of the gallery's model (the file the model thresholds
  // come from; in-gallery calibration takes its default duplicate score from
  // it). UNIMPLEMENTED where there is none to give.
  virtual StatusOr<std::shared_ptr<const Calibration>> ModelCalibration(
      const GalleryInfo& gallery) const {
    return UnimplementedError("no model calibration here");
  }
  // Drops what is cached for `gallery` (after its calibration was replaced).
  virtual void Invalidate(const std::string& gallery) const {}
};

struct SearchCalibrationOptions {
  // The model calibration file for the galleries of the model it was built
  // for; galleries of another model (another modality) use their own
  // calibration/<model>.json (LoadCalibrationFor) and their threshold source
  // says the file was not theirs. Empty: calibration/<model>.json for all.
  std::string model_calibration;
  // Replaces the file lookup when set (tests, tools): the model calibration of a gallery.
  std::function<StatusOr<Calibration>(const GalleryInfo&)> load_model;
  double target_fpir = 1e-3;  // 1:N and duplicate checks
  double target_fmr = 1e-4;   // 1:1
  // The same for finger galleries (GalleryInfo::modality "finger"): their
  // model calibration (calibration/finger-mcc.json, FVC2002 DB1-B) supports
  // no FMR below 1.04e-3 (docs/FINGER.md "Thresholds").
  double finger_target_fpir = 1e-2;
  double finger_target_fmr = 1e-2;
  // > 0: every threshold is this (load tests; `calibration` "fixed"); the
  // rates of scores still come from the calibrations when they load.
  float fixed_threshold = 0.0f;
  // Use a gallery's stored in-gallery calibration where it has one.
  bool gallery_calibrations = true;
};

// The calibration file of a model: `explicit_path`, else
// $CANDOR_CALIBRATION_DIR/<model>.json, else <source>/calibration/<model>.json.
// FAILED_PRECONDITION when it cannot be loaded or was made for another model
// or model build.
StatusOr<Calibration> LoadCalibrationFor(const std::string& explicit_path,
                                         const std::string& model_id,
                                         const Sha256Bytes& model_sha256);

// The calibrated source over `store` (borrowed; must outlive the result).
std::shared_ptr<SearchCalibration> OpenSearchCalibration(const Store& store,
                                                         SearchCalibrationOptions options);

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_THRESHOLDS_H_
