// Copyright 2026 The Candor Authors.
//
// Does in-gallery calibration predict what labelled truth measures? The
// research harness behind `candor eval gallery-calibration` (docs/ACCURACY.md):
//
//   1. Identities of a labelled embedding set are split (SplitByIdentity, the
//      eval identify seed) into gallery identities A and never-enrolled
//      identities B.
//   2. A scratch store (random key, deleted afterwards) enrols the first image
//      of every A identity, with its LFW labels as subject attributes (sex from
//      the gender lists, group from the race dictionary) when given.
//   3. CalibrateGallery on that gallery, with no labels: FPIR(t) predicted at
//      the gallery's size, per-group rates.
//   4. Truth: the first image of every B identity searched against the same
//      gallery: the fraction whose best score is >= t, with its Wilson
//      interval. A truth search whose best score reaches the calibration's
//      duplicate score is a probable duplicate (on LFW: the same person filed
//      under two names, or one photo under two people) and is excluded and
//      listed, as the calibration excludes such pairs from its side.
//
// For each target FPIR the report gives the predicted FPIR (95 % interval,
// cluster-robust: see CalibrationInput::nonmated_top_self) and the
// measured one (95 % interval), the difference truth - predicted with its
// 95 % interval and whether that interval contains 0 ("agree"), whether the
// truth lies inside the predicted interval and whether the intervals overlap;
// per group the same at the worst-group threshold. With
// check_without_exclusion the same comparison is repeated with nothing
// excluded on either side. INVALID_ARGUMENT when the set is too small.

#ifndef CANDOR_CALIBRATE_GALLERY_AGREEMENT_H_
#define CANDOR_CALIBRATE_GALLERY_AGREEMENT_H_

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/embedding_set.h"
#include "calibrate/labelled_set.h"
#include "candor/gallery_calibration.h"

namespace candor::eval {

struct GalleryAgreementOptions {
  std::string split_seed = "candor-split-2026-11-22";
  double gallery_fraction = 0.5;  // share of identities enrolled
  std::vector<double> target_fpirs = {0.1, 0.03, 0.01};
  GalleryCalibrationOptions calibration;  // duplicate_score must be set
  std::string index_spec = "Flat,int8";   // the store's default index
  std::filesystem::path scratch_dir;      // empty: the system temp directory
  bool check_without_exclusion = true;    // a second calibration with no duplicate exclusion
};

StatusOr<nlohmann::json> RunGalleryAgreement(const EmbeddingSet& set, const GroupLabels* labels,
                                             const GalleryAgreementOptions& options);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_GALLERY_AGREEMENT_H_
