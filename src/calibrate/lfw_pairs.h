// Copyright 2026 The Candor Authors.
//
// The LFW View-2 pairs file (pairs.txt): a first line "<folds> <pairs per
// class>", then for each fold that many same-person lines "name i j"
// followed by as many different-person lines "name1 i name2 j". Image paths
// are "<name>/<name>_<iiii>.jpg" relative to the LFW image root.
//
// Errors: NOT_FOUND if the file cannot be opened; INVALID_ARGUMENT (naming
// the file and, for a bad line, the line) if the header is not two positive
// numbers, a line is malformed or the file ends before the header's count.
// Thread-safe (no shared state).

#ifndef CANDOR_CALIBRATE_LFW_PAIRS_H_
#define CANDOR_CALIBRATE_LFW_PAIRS_H_

#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::eval {

struct LfwPair {
  std::string a, b;  // image paths relative to the LFW root
  bool genuine = false;
  int fold = 0;  // 0-based
};

// "<name>/<name>_<index, 4 digits>.jpg".
std::string LfwImagePath(const std::string& name, int index);

// Fills in the LFW locations a harness was not given: `images` (the image
// root) defaults to $CANDOR_DATA/faces/lfw, `pairs` to
// $CANDOR_DATA/faces/lfw-protocol/pairs.txt. NOT_FOUND if one is empty and
// there is no data directory.
Status DefaultLfwPaths(std::string& images, std::string& pairs);

// Every pair of the first `max_folds` folds, in file order. The whole file is
// read and checked even when fewer folds are kept.
StatusOr<std::vector<LfwPair>> ParseLfwPairs(const std::filesystem::path& path,
                                             int max_folds = INT_MAX);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_LFW_PAIRS_H_
