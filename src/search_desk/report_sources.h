// Copyright 2026 The Candor Authors.
//
// Where thresholds came from, for the transparency report (issue 10): the
// period's searches counted by the calibration their threshold came from
// (from the sealed records: "gallery", "model", "fixed"; "unrecorded" for
// records from before thresholds named their source), and each gallery's
// current identify threshold source in words (or why there is none).
// Counts and gallery names only, like the rest of the report.
// Errors: the book's and the store's.

#ifndef CANDOR_SEARCH_DESK_REPORT_SOURCES_H_
#define CANDOR_SEARCH_DESK_REPORT_SOURCES_H_

#include "candor/transparency.h"
#include "search_desk/search_book.h"
#include "search_desk/thresholds.h"

namespace candor {

Status AddThresholdSources(const SearchBook& book, const Store& store,
                           const SearchCalibration& calibration, TransparencyReport& report);

}  // namespace candor

#endif  // CANDOR_SEARCH_DESK_REPORT_SOURCES_H_
