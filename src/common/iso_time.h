// Copyright 2026 The Candor Authors.
//
// ISO-8601 UTC times as the API and the records write them. Pure functions.

#ifndef CANDOR_COMMON_ISO_TIME_H_
#define CANDOR_COMMON_ISO_TIME_H_

#include <cstdint>
#include <string>

#include "candor/status.h"

namespace candor {

// "2027-01-15T08:00:00Z" (milliseconds dropped).
std::string IsoTime(int64_t ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" or "YYYY-MM-DD" (midnight UTC);
// INVALID_ARGUMENT otherwise or out of range.
StatusOr<int64_t> ParseIsoTime(const std::string& s);

}  // namespace candor

#endif  // CANDOR_COMMON_ISO_TIME_H_
