// Copyright 2026 The Candor Authors.
//
// Demographic differentials in the spirit of ISO/IEC 19795-10: FMR and FNMR per
// group at one operating threshold, 95 % bootstrap intervals that resample
// identities (not pairs: pairs of one person are not independent), and the
// max/min ratio across groups with its own bootstrap interval.
//
// Inputs are scored pairs labelled with identity indices. Impostor pairs for a
// group's FMR must be drawn within the group (both identities in it); the
// caller builds them that way (see docs/EVALUATION.md).
//
// A group is flagged `too_small` when it has fewer than `min_identities`
// identities or no pairs of a kind; its numbers are still reported but it is
// left out of the ratios, and the report says so. Empty groups and groups of
// one identity (no within-group impostors) give NaN rates, never a crash.
//
// Pure functions; deterministic for a given seed; thread-safe.

#ifndef CANDOR_DEMOGRAPHICS_H_
#define CANDOR_DEMOGRAPHICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::metrics {

struct LabelledPair {
  double score = 0;  // similarity; NaN = failed comparison (never accepted)
  bool genuine = false;
  int64_t identity_a = 0;
  int64_t identity_b = 0;  // == identity_a for genuine pairs
};

struct RateWithInterval {
  double value = 0;  // NaN when there is nothing to measure
  double lower = 0;  // 2.5 % bootstrap percentile
  double upper = 0;  // 97.5 % bootstrap percentile
  uint64_t errors = 0;
  uint64_t trials = 0;
};

struct GroupRates {
  std::string group;
  uint64_t identities = 0;
  RateWithInterval fmr;
  RateWithInterval fnmr;
  bool too_small = false;
  std::string note;  // why a group is too small, in words
};

struct Ratio {
  double value = 0;  // max / min of the point estimates; +inf if min is 0; NaN if < 2 groups
  double lower = 0;
  double upper = 0;
  std::string max_group, min_group;
  std::string note;
};

struct DifferentialReport {
  double threshold = 0;
  int bootstrap_replicates = 0;
  std::vector<GroupRates> groups;
  Ratio fmr_ratio;
  Ratio fnmr_ratio;
};

struct DifferentialOptions {
  int bootstrap_replicates = 1000;
  uint64_t seed = 20261122;
  uint64_t min_identities = 30;
};

// INVALID_ARGUMENT for no groups or replicates < 10.
StatusOr<DifferentialReport> ComputeDifferentials(
    const std::map<std::string, std::vector<LabelledPair>>& pairs_by_group, double threshold,
    const DifferentialOptions& options = {});

}  // namespace candor::metrics

#endif  // CANDOR_DEMOGRAPHICS_H_
