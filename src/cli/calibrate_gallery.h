// Copyright 2026 The Candor Authors.
//
// `candor calibrate --gallery G`: in-gallery calibration of a stored gallery
// (candor/gallery_calibration.h), stored with the gallery and audited as
// "gallery.calibrate" (admin only; the entry carries counts, never subject
// ids). Probable duplicates are printed for the admin's review. Used only by
// cmd_calibrate.cc.

#ifndef CANDOR_CLI_CALIBRATE_GALLERY_H_
#define CANDOR_CLI_CALIBRATE_GALLERY_H_

#include <CLI/CLI.hpp>
#include <string>

#include "candor/gallery_calibration.h"
#include "cli/command.h"
#include "cli/gallery_flags.h"
#include "cli/govern_flags.h"

namespace candor::cli {

struct GalleryCalibrateArgs {
  StoreFlags store;
  GovernFlags govern;
  std::string models_dir;   // for embedding --probes images (the gallery's model)
  std::string gallery;
  std::string calibration;  // the model calibration (default duplicate score)
  GalleryCalibrationOptions options;
  std::string policy;       // "" = default
  std::string probes;       // folder of probe-like photos / templates of non-enrolled people
  std::string probe_source; // what they are, in words
  bool if_stale = false;    // only when missing or stale
  bool dry_run = false;     // measure and print, do not store
  uint64_t min_reviewed_searches = 100;  // reviewed outcomes: fewer give a note, not a number
};

// Adds the gallery-mode flags (not --models: the command's own is shared).
void AddGalleryCalibrateFlags(CLI::App& sub, GalleryCalibrateArgs* a);
Status RunGalleryCalibrate(const GalleryCalibrateArgs& a, const GlobalOptions& global);

}  // namespace candor::cli

#endif  // CANDOR_CLI_CALIBRATE_GALLERY_H_
