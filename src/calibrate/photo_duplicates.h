// Copyright 2026 The Candor Authors.
//
// One photograph filed more than once in a labelled face set, found without
// any face model: each image is reduced to a small grey thumbnail (area
// averaging, so re-encoding and resampling noise averages out), centred and
// scaled to unit length; two images whose thumbnails correlate at or above
// `min_correlation` are reported as the same photograph. A face model cannot
// be the judge here: its high scores are exactly what is being audited
// (truth_corrections.h).
//
// Inputs: the data root and the images under it (labelled_set.h). Output:
// the pairs found, each once (a before b in the input order), sorted by
// correlation, highest first. Images that cannot be decoded, or are one flat
// grey, are counted in `unreadable`, not fatal. Cost: one decode per image and n²/2 dot products
// of `thumbnail_side`² floats (13,233 LFW images: about half a minute on one
// core). Errors: INVALID_ARGUMENT for a thumbnail side outside [4, 64] or a
// correlation outside (0, 1]. Thread safety: pure function of its inputs.

#ifndef CANDOR_CALIBRATE_PHOTO_DUPLICATES_H_
#define CANDOR_CALIBRATE_PHOTO_DUPLICATES_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "calibrate/labelled_set.h"
#include "candor/status.h"

namespace candor::eval {

struct PhotoDuplicateOptions {
  int thumbnail_side = 24;
  double min_correlation = 0.97;
};

struct PhotoPair {
  LabelledImage a, b;
  double correlation = 0;
};

struct PhotoDuplicates {
  std::vector<PhotoPair> pairs;
  std::size_t images = 0;  // decoded and compared
  std::size_t unreadable = 0;
};

StatusOr<PhotoDuplicates> FindPhotoDuplicates(const std::filesystem::path& root,
                                              const std::vector<LabelledImage>& images,
                                              const PhotoDuplicateOptions& options = {});

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_PHOTO_DUPLICATES_H_
