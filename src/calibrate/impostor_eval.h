// Copyright 2026 The Candor Authors.
//
// Same-group impostor FMR on a labelled set of any shape, singletons included
// (issue 10: "impostor pairs of the same sex and race at the FMR-1e-3
// threshold", measured on tightly cropped chips of 4,451 adults): what a new
// user gets from the model's LFW threshold, and what a threshold calibrated on
// photos of the same kind gives, per group, with intervals.
//
// Protocol (docs/EVALUATION.md, "Same-group impostors on your own photos"):
//   - identities split into a calibration and an evaluation half
//     (SplitByIdentity, seed and fraction as `candor eval identify`);
//   - impostor pairs: two usable images of different identities; per group of
//     an attribute, both identities in that group (NIST FRVT Part 3 practice);
//     per attribute also the pooled same-group pairs, and all pairs ("random");
//     with two or more attributes also their joint groups ("female|asian");
//     every pool capped at `max_pairs` by a uniform sample;
//   - thresholds for `target_fmr`: "model" (the caller's, e.g. the model
//     calibration's), "pooled" (calibrated on the calibration half's random
//     pairs) and "worst-group" (the highest of the calibration half's per-group
//     thresholds of one attribute: every group at or below the target), each
//     from Calibration::Build (grid rounding, rule-of-three support);
//   - FMR per group at each threshold, measured on the evaluation half only,
//     with identity-bootstrap 95 % intervals (candor/demographics.h).
// Errors: INVALID_ARGUMENT when no label names an identity of the set, or a
// half has fewer than 100 impostor pairs. Thread safety: pure function.

#ifndef CANDOR_CALIBRATE_IMPOSTOR_EVAL_H_
#define CANDOR_CALIBRATE_IMPOSTOR_EVAL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "calibrate/embedding_set.h"
#include "calibrate/labelled_set.h"
#include "candor/status.h"

namespace candor::eval {

struct ImpostorEvalOptions {
  double target_fmr = 1e-3;
  double calibration_fraction = 0.5;
  std::string split_seed = "candor-split-2026-11-22";
  std::size_t max_pairs = 200000;  // per pool
  int bootstrap = 1000;
  uint64_t seed = 20261206;
  std::optional<double> model_threshold;  // e.g. the model calibration's for target_fmr
  std::string model_threshold_source;     // in words, for the report
};

// {"counts", "thresholds": [{kind, attribute?, threshold, note}],
//  "attributes": {attr: {"groups": [...], "rows": [{threshold kind, per group FMR}]}}}
StatusOr<nlohmann::json> RunImpostorEvaluation(const EmbeddingSet& set, const GroupLabels& labels,
                                               const ImpostorEvalOptions& options);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_IMPOSTOR_EVAL_H_
