// Copyright 2026 The Candor Authors.
//
// The evaluation protocol behind `candor eval identify` and `candor calibrate`,
// on a labelled set of embeddings (so it runs without models in tests):
//
//   1. Identities are split into calibration and evaluation sets (disjoint,
//      SplitByIdentity with a recorded seed).
//   2. Calibration side: 1:1 impostor scores (all cross-identity pairs among
//      up to `max_calibration_images` images), genuine pairs, and non-mated
//      searches (singleton identities against a gallery of one image per
//      multi-image identity) -> CalibrationInput.
//   3. Evaluation side, NIST FRTE style: gallery = first image of every
//      identity with >= 2 images; mated probes = its other images; non-mated
//      probes = identities with one image (never enrolled); the remaining
//      singletons are real distractors. FNIR at FPIR 0.3 %, 1 %, 10 % (rank 1),
//      CMC at ranks 1..50, the DET, and FPIR/FNIR at the FPIR-1 % threshold as
//      the gallery grows with real distractors and with synthetic ones
//      (Gaussian with the calibration side's mean and covariance, normalised).
//   4. Demographic differentials per attribute at the operating threshold (the
//      calibrated threshold for `operating_fmr`): within-group impostor pairs,
//      identity bootstrap, per-group score histograms and per-group DETs.
//
// Failures to acquire count against the system: a failed gallery image leaves
// its identity unenrolled (its mated probes are misses), a failed mated probe is
// a miss, a failed non-mated probe returns no candidate.
//
// Output is JSON (documented in docs/EVALUATION.md). INVALID_ARGUMENT when the
// set is too small for the protocol. Not thread-safe per call (single-threaded
// apart from OpenCV's gemm); distinct calls may run concurrently.

#ifndef CANDOR_CALIBRATE_IDENTIFY_EVAL_H_
#define CANDOR_CALIBRATE_IDENTIFY_EVAL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/embedding_set.h"
#include "calibrate/labelled_set.h"
#include "candor/calibration.h"
#include "candor/status.h"

namespace candor::eval {

struct IdentifyOptions {
  double calibration_fraction = 0.5;
  std::string split_seed = "candor-split-2026-11-22";
  uint64_t seed = 20261122;                  // sampling and bootstrap
  std::size_t max_nonmated = 2000;           // non-mated probes; other singletons: distractors
  std::size_t max_calibration_images = 2500; // 1:1 impostor pairs among these
  std::size_t max_group_impostor_pairs = 200000;
  std::vector<uint64_t> synthetic_gallery_sizes = {1000, 10000, 100000};
  int bootstrap_replicates = 1000;
  double operating_fmr = 1e-3;
  std::string dataset = "lfw";
  // `candor eval identify --impostors matched`: also report, at the operating
  // threshold, FMR of random cross-identity pairs next to FMR of same-group
  // pairs pooled over each attribute's groups (same sex, same race; NIST FRVT
  // Part 3 practice), all with identity-bootstrap 95 % intervals.
  bool matched_impostors = false;
};

struct IdentifyOutput {
  nlohmann::json report;
  CalibrationInput calibration_input;
};

StatusOr<IdentifyOutput> RunIdentifyEvaluation(const EmbeddingSet& set, const GroupLabels* groups,
                                               const IdentifyOptions& options);

}  // namespace candor::eval

#endif  // CANDOR_CALIBRATE_IDENTIFY_EVAL_H_
