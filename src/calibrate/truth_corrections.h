// Copyright 2026 The Candor Authors.
//
// Reviewed corrections to a labelled face set's ground truth, applied to an
// embedding set before an evaluation protocol reads it. A benchmark's label
// errors are not the system's errors: a photo filed under two names, or one
// person filed under two names, turns a correct match into a "false match"
// (or the reverse). NIST's evaluations adjudicate such errors by review; this
// is the same step, on the record: every correction is a line of a committed
// file with its reason, the reports say how many were applied, and every
// figure measured with corrections is published beside the uncorrected one
// (docs/ACCURACY.md, "LFW's label errors").
//
// File format: UTF-8 text, one correction per line, fields separated by TABs;
// blank lines and lines starting with '#' are ignored.
//   alias        KEPT_IDENTITY  MERGED_IDENTITY  reason
//       the two names are one person (name order, spelling, nickname, married
//       name): MERGED's images are relabelled KEPT.
//   same-photo   PATH_A  PATH_B  reason
//       one photograph filed twice (found without any face model:
//       calibrate/photo_duplicates.h). Under two identities both images are
//       dropped (which label is right is unknown); under one identity the
//       second copy (PATH_B) is dropped, so a photo is never searched against
//       itself.
//   same-person  PATH_A  PATH_B  reason
//       two images under different names show one person by review (a
//       mislabelled image): both are dropped.
// PATHs are relative to the data root ("Name/Name_0001.jpg").
//
// Errors: INVALID_ARGUMENT for an unknown kind, a line without three fields,
// or an empty field (with the line number); NOT_FOUND for a missing file.
// Apply never fails: corrections naming images or identities the set lacks
// are counted as `not_in_set` (a subset run is normal).
// Thread safety: plain values.

#ifndef CANDOR_CALIBRATE_TRUTH_CORRECTIONS_H_
#define CANDOR_CALIBRATE_TRUTH_CORRECTIONS_H_

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "calibrate/embedding_set.h"
#include "candor/status.h"

namespace candor::eval {

struct TruthCorrection {
  enum class Kind { kAlias, kSamePhoto, kSamePerson };
  Kind kind = Kind::kAlias;
  std::string a, b;  // identities (alias) or image paths
  std::string reason;
};

struct TruthCorrections {
  std::vector<TruthCorrection> lines;
};

StatusOr<TruthCorrections> ParseTruthCorrections(std::string_view text);
StatusOr<TruthCorrections> LoadTruthCorrections(const std::filesystem::path& file);

// What Apply did.
struct TruthCorrectionReport {
  std::size_t identities_merged = 0;  // alias lines applied
  std::size_t images_relabelled = 0;  // images moved by them
  std::size_t images_dropped = 0;
  std::size_t not_in_set = 0;  // lines naming nothing in the set
  nlohmann::json ToJson() const;
};

// Applies `c` to `set`: every alias first, then the drops (so a photo filed
// under two names that are one person counts as filed twice under one).
TruthCorrectionReport ApplyTruthCorrections(const TruthCorrections& c, EmbeddingSet* set);

// Loads `file` and applies it to `set`: the report as JSON, with "file" added
// (what the evaluation reports record). Errors: LoadTruthCorrections's.
StatusOr<nlohmann::json> ApplyTruthCorrectionsFile(const std::filesystem::path& file,
                                                   EmbeddingSet* set);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_TRUTH_CORRECTIONS_H_
