// Copyright 2026 The Candor Authors.
//
// candor finger eval fvc [--dir D] [--svg F] [--md F] [--threads N] [--bits]
//   [--no-robustness] : the FVC protocol on an FVC folder (default
//   $CANDOR_DATA/fingerprints/fvc2002-db1-b): EER, FMR100, FMR1000, ZeroFMR
//   for 280 genuine / 45 (FVC) and 2,880 (all pairs) impostor comparisons,
//   as captured and with the probe rotated, cropped and noisy; the DET curve
//   as SVG. Results in docs/ACCURACY.md, "Fingerprints".
//   --calibration-out FILE also writes the fingerprint calibration (candor/
//   calibration.h) from the prints as captured: the all-pairs impostor and
//   the genuine scores, for the finger galleries' model (kFingerModelId,
//   FingerModelSha256()), the file a finger gallery's thresholds come from
//   (calibration/finger-mcc.json by default, docs/FINGER.md "Thresholds").

#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "candor/calibration.h"
#include "candor/gallery.h"
#include "cli/command.h"
#include "common/hash.h"
#include "common/file_util.h"
#include "common/paths.h"
#include "finger/fvc_eval.h"

namespace candor::cli {
namespace {

struct Args {
  std::string dir, svg, md, calibration_out;
  int threads = 1;
  bool bits = false, no_robustness = false;
};

Status Run(const Args& a) {
  finger::FvcOptions o;
  if (!a.dir.empty()) {
    o.dir = a.dir;
  } else {
    auto data = DataDir();
    if (!data) return NotFoundError("no data directory: set CANDOR_DATA or pass --dir");
    o.dir = *data / "fingerprints" / "fvc2002-db1-b";
  }
  o.threads = a.threads;
  o.params.bits = a.bits;
  o.robustness = !a.no_robustness;
  CANDOR_ASSIGN_OR_RETURN(finger::FvcReport r, finger::RunFvcEval(o));
  const std::string md = finger::FvcMarkdown(r);
  std::cout << "FVC protocol on " << o.dir.string() << ": " << r.fingers << " fingers x " << r.impressions
            << " impressions, mean extraction " << r.mean_extract_ms << " ms/print, matcher MCC"
            << (a.bits ? "16b" : "16") << " LSS-R\n\n"
            << md << std::endl;
  if (!a.md.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.md, md));
  if (!a.svg.empty()) CANDOR_RETURN_IF_ERROR(WriteFileAtomic(a.svg, finger::FvcDetSvg(r)));
  if (!a.calibration_out.empty()) {
    if (a.bits) return InvalidArgumentError("--calibration-out is for the default matcher (no --bits)");
    const finger::FvcCondition& c = r.conditions.front();  // as captured
    CalibrationInput in;
    in.model_id = kFingerModelId;
    in.model_sha256 = HexEncode(FingerModelSha256());
    in.impostor_scores = c.impostor_all;
    in.genuine_scores = c.genuine;
    in.provenance = {{"dataset", o.dir.filename().string()},
                     {"protocol", "FVC: all pairs of prints of different fingers (impostor), "
                                  "every pair of impressions of a finger (genuine)"},
                     {"fingers", std::to_string(r.fingers)},
                     {"impressions", std::to_string(r.impressions)},
                     {"comparison", "one finger against one finger (MCC + LSS-R); a fused "
                                    "several-finger score is the mean of such scores"},
                     {"fpir", "no non-mated searches: FPIR extrapolated from the impostor "
                              "distribution (independence model)"}};
    CANDOR_ASSIGN_OR_RETURN(Calibration cal, Calibration::Build(in));
    CANDOR_RETURN_IF_ERROR(cal.Save(a.calibration_out));
    std::cout << "calibration: " << a.calibration_out << " (" << cal.impostor_count()
              << " impostor, " << cal.genuine_count() << " genuine scores; lowest supported FMR "
              << cal.MinSupportedFmr() << ")" << std::endl;
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "finger eval", "Evaluate fingerprint accuracy: `candor finger eval fvc` runs the FVC protocol",
    [](CLI::App& sub, const GlobalOptions&) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.require_subcommand(1);
      CLI::App* fvc = sub.add_subcommand("fvc", "FVC protocol: EER, FMR100, FMR1000, ZeroFMR, DET (SVG), robustness");
      fvc->add_option("--dir", a->dir, "FVC folder (default $CANDOR_DATA/fingerprints/fvc2002-db1-b)");
      fvc->add_option("--svg", a->svg, "Write the DET curves here");
      fvc->add_option("--md", a->md, "Write the Markdown table here");
      fvc->add_option("--threads", a->threads, "Worker threads (default 1)");
      fvc->add_flag("--bits", a->bits, "MCC16b bit cylinders");
      fvc->add_flag("--no-robustness", a->no_robustness, "Only the prints as captured");
      fvc->add_option("--calibration-out", a->calibration_out,
                      "Write the finger galleries' score calibration (impostor + genuine "
                      "scores of the prints as captured) here");
      return [a] { return Run(*a); };
    }});

}  // namespace
}  // namespace candor::cli
