// Copyright 2026 The Candor Authors.
//
// candor finger eval fvc [--dir D] [--svg F] [--md F] [--threads N] [--bits]
//   [--no-robustness] : the FVC protocol on an FVC folder (default
//   $CANDOR_DATA/fingerprints/fvc2002-db1-b): EER, FMR100, FMR1000, ZeroFMR
//   for 280 genuine / 45 (FVC) and 2,880 (all pairs) impostor comparisons,
//   as captured and with the probe rotated, cropped and noisy; the DET curve
//   as SVG. Results in docs/ACCURACY.md, "Fingerprints".

#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/file_util.h"
#include "common/paths.h"
#include "finger/fvc_eval.h"

namespace candor::cli {
namespace {

struct Args {
  std::string dir, svg, md;
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
      return [a] { return Run(*a); };
    }});

}  // namespace
}  // namespace candor::cli
