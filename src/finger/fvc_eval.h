// Copyright 2026 The Candor Authors.
//
// The FVC evaluation of the fingerprint system (docs/ACCURACY.md,
// "Fingerprints"): on an FVC-style folder (<finger>_<impression>.tif), every
// print is extracted once per condition and compared by MCC.
//   genuine       every pair of impressions of a finger (FVC: 8C2 x 10 = 280);
//   impostor FVC  the first impressions of every pair of fingers (45);
//   impostor all  every pair of prints of different fingers (10 x 9 / 2 x 64 = 2,880).
// Conditions transform the second print of each pair (the "probe"); the first
// stays as captured: none, rotated by +30 and -30 degrees, centre-cropped to
// 60 % of the area, Gaussian noise (sigma 20 grey levels).
// A print that fails extraction scores NaN (never accepted) and is counted.
// Errors: NOT_FOUND / INVALID_ARGUMENT when the folder holds no FVC-named prints.
// Thread safety: RunFvcEval is reentrant; it uses `threads` worker threads.

#ifndef CANDOR_FINGER_FVC_EVAL_H_
#define CANDOR_FINGER_FVC_EVAL_H_

#include <filesystem>
#include <string>
#include <vector>

#include "candor/finger.h"
#include "candor/status.h"

namespace candor::finger {

struct FvcOptions {
  std::filesystem::path dir;
  MccParams params;
  bool robustness = true;  // the transformed conditions too
  int threads = 1;
};

struct FvcErrorRates {
  double eer = 0, fmr100 = 0, fmr1000 = 0, zero_fmr = 0;  // FNMR at FMR <= 1 %, 0.1 %, 0
  size_t genuine = 0, impostor = 0;
};

struct FvcCondition {
  std::string name;
  FvcErrorRates fvc;  // 280 genuine, 45 impostor
  FvcErrorRates all;  // 280 genuine, 2,880 impostor
  int extraction_failures = 0;
  double mean_minutiae = 0;
  double mean_quality = 0;
  std::vector<double> genuine, impostor_all;  // scores, for the DET plot
};

struct FvcReport {
  int fingers = 0, impressions = 0;
  double mean_extract_ms = 0;
  std::vector<FvcCondition> conditions;
};

StatusOr<FvcReport> RunFvcEval(const FvcOptions& options);

// The DET curve (FNMR against FMR, log axes) of every condition, all-pairs impostors.
std::string FvcDetSvg(const FvcReport& report);

// A Markdown table of the report.
std::string FvcMarkdown(const FvcReport& report);

}  // namespace candor::finger

#endif  // CANDOR_FINGER_FVC_EVAL_H_
