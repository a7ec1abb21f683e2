// Copyright 2026 The Candor Authors.
//
// Reports people read, from the JSON that `candor eval identify` (and
// optionally `candor eval lfw --json`) write:
//   - RenderHtml: one self-contained HTML page (inline SVG, no scripts, no
//     external references): per model the summary, DET (all models), DET per
//     demographic group, CMC, score histograms per group, FPIR as the gallery
//     grows, the identity split, and what the data cannot tell;
//   - AccuracyTable: the Markdown comparison table for docs/ACCURACY.md (LFW
//     10-fold accuracy, TAR at FAR 1e-3, FNIR at FPIR 1 %, per-group FMR ratio);
//   - ReplaceMarkedBlock: puts generated text between
//     "<!-- BEGIN candor-report:NAME -->" and "<!-- END candor-report:NAME -->"
//     (appending the block if absent), leaving the rest of the file untouched.
//
// Errors: INVALID_ARGUMENT for results without the expected fields. Pure
// functions, thread-safe.

#ifndef CANDOR_CALIBRATE_REPORT_H_
#define CANDOR_CALIBRATE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::eval {

struct ModelResults {
  nlohmann::json identify;  // from eval identify (required)
  nlohmann::json lfw;       // from eval lfw --json (optional: null)
};

StatusOr<std::string> RenderHtml(const std::vector<ModelResults>& results,
                                 const std::string& title);

StatusOr<std::string> AccuracyTable(const std::vector<ModelResults>& results,
                                    const std::string& command);

std::string ReplaceMarkedBlock(const std::string& document, const std::string& name,
                               const std::string& content);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_REPORT_H_
