// Copyright 2026 The Candor Authors.
//
// Per-person attributes from a small text file, one person per line:
//   ID,key=value[,key=value...]
// Blank lines and lines starting with '#' are ignored; a trailing '\r' is
// dropped. What the keys mean is the caller's business: `candor enroll
// --attributes` validates them as a subject's sealed attributes
// (candor/gallery.h), the evaluation commands read them as demographic group
// labels of labelled identities (calibrate/labelled_set.h).
//
// Output: ID -> {key -> value}, in ID order. Errors: NOT_FOUND for a missing
// file; INVALID_ARGUMENT, naming the file and line, for an empty ID, a field
// without '=', an empty key or value, or an ID listed twice.
// Thread safety: plain function.

#ifndef CANDOR_COMMON_ATTRIBUTES_CSV_H_
#define CANDOR_COMMON_ATTRIBUTES_CSV_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor {

using AttributesById = std::map<std::string, std::map<std::string, std::string>>;

// `where` names the source in error messages.
StatusOr<AttributesById> ParseAttributesCsv(std::string_view text, const std::string& where);
StatusOr<AttributesById> ReadAttributesCsv(const std::filesystem::path& file);

}  // namespace candor

#endif  // CANDOR_COMMON_ATTRIBUTES_CSV_H_
