// Copyright 2026 The Candor Authors.
//
// Labelled face folders and their evaluation bookkeeping:
//   - ScanLabelledFolder: `<root>/<identity>/<image>` (LFW layout), sorted;
//   - SplitByIdentity: a deterministic split of identities into calibration and
//     evaluation sets (disjoint by identity, stable under adding identities:
//     each identity's side depends only on SHA-256(seed + name));
//   - LoadLfwGroups: demographic group labels from the LFW protocol folder
//     (image-level gender lists -> identity majority; identity-level race
//     dictionary, single-valued labels only, multi-valued -> "multiple");
//   - LoadGroupsCsv: group labels of any labelled set from an attributes file
//     (common/attributes_csv.h: "identity,key=value,..."), e.g. the sex and
//     race a deployment or an independent check records for its own photos.
//
// Errors: NOT_FOUND for a missing folder or label file, INVALID_ARGUMENT for an
// empty folder or a malformed label file. Thread-safe (no shared state).

#ifndef CANDOR_CALIBRATE_LABELLED_SET_H_
#define CANDOR_CALIBRATE_LABELLED_SET_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::eval {

struct LabelledImage {
  std::string identity;
  std::string path;  // relative to the root, "<identity>/<file>"
};

// Every image file (.jpg .jpeg .png .bmp .pgm .ppm .webp .tif .tiff) one level
// below an identity folder, sorted by path.
StatusOr<std::vector<LabelledImage>> ScanLabelledFolder(const std::filesystem::path& root);

struct IdentitySplit {
  std::set<std::string> calibration;
  std::set<std::string> evaluation;
};

// Puts each identity in calibration with probability `calibration_fraction`.
IdentitySplit SplitByIdentity(const std::set<std::string>& identities,
                              double calibration_fraction, const std::string& seed);

// identity -> group, per attribute ("gender", "race"). Identities without a
// label are absent. `notes` receives what was ambiguous or dropped, in words.
struct GroupLabels {
  std::map<std::string, std::map<std::string, std::string>> by_attribute;
  std::vector<std::string> notes;
};
StatusOr<GroupLabels> LoadLfwGroups(const std::filesystem::path& protocol_dir);
StatusOr<GroupLabels> LoadGroupsCsv(const std::filesystem::path& file);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_LABELLED_SET_H_
