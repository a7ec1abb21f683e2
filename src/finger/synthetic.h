// Copyright 2026 The Candor Authors.
//
// Synthetic fingerprints for tests and benchmarks (private to src/finger,
// used by bench/finger_bench.cc). What they model and what they do not is
// stated here and in docs/BENCHMARKS.md.
//
// SyntheticTemplate: a minutiae set on an elliptic print (semi-axes 110-150 x
//   140-190 px at 500 dpi) with a loop-type orientation field (Sherlock &
//   Monro zero-pole model: one core, one delta); 12-80 minutiae (normal, mean
//   38, sd 8), at least 12 px apart, directions along the field (either
//   sense), endings and bifurcations equally likely, quality 40-100.
// SyntheticMate: the same finger captured again: rotated (+-20 deg),
//   translated (+-30 px), positions jittered (sd 3 px) and directions (sd 0.1
//   rad), 20 % of minutiae missed, 10 % spurious ones added, all kept inside
//   the image.
// Not modelled: real spatial statistics of minutiae (denser near cores and
//   deltas), ridge counts, non-linear skin distortion, pattern-class
//   frequencies (arch, whorl), correlation between a person's fingers, and
//   quality-dependent extraction errors. Impostor scores among synthetic
//   templates are therefore not a model of real impostor scores; the set is for
//   speed and memory, not accuracy.
//
// SyntheticPrintImage: a grey 8-bit image of parallel ridges (period `period`
//   px, direction `angle` radians) on an elliptic print on white, with a
//   phase singularity (atan2 term) at each of `points`: each adds one ridge on
//   one side, which is exactly one ridge ending or bifurcation there.
// All functions are deterministic in `seed`; thread-safe.

#ifndef CANDOR_FINGER_SYNTHETIC_H_
#define CANDOR_FINGER_SYNTHETIC_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <vector>

#include "candor/finger.h"

namespace candor::finger {

FingerTemplate SyntheticTemplate(uint64_t seed);
FingerTemplate SyntheticMate(const FingerTemplate& t, uint64_t seed);

cv::Mat SyntheticPrintImage(cv::Size size, double period, double angle, const std::vector<cv::Point2f>& points);

}  // namespace candor::finger

#endif  // CANDOR_FINGER_SYNTHETIC_H_
