// Copyright 2026 The Candor Authors.
//
// candor identify --gallery G [-k N] IMG: 1:N search for the largest face in
// IMG (or a template file): up to k candidates scoring at or above the
// threshold calibrated for --target-fpir (default 0.1 %) at this gallery's
// size are recorded for review. The threshold comes from the gallery's stored
// in-gallery calibration (`candor calibrate --gallery`) when there is one,
// else from the model's calibration file; the output says which. Like the server, it runs only as a named
// operator under an authorization, through the governance gate, and is
// audited (allowed or refused); and like the server it shows the requester
// only the search id, the outcome ("candidates pending review" or "no
// candidate above threshold", both exit 0), the number of candidates and the
// investigative-lead label. The candidates go to examiners (`candor review`)
// and reach the requester only as a released lead (`candor lead`).

#include <iostream>

#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/search_answer.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  SearchGateFlags gate;
  PipelineFlags flags;
  std::string gallery, image, calibration;
  int k = 10;
  double target_fpir = 1e-3;
};

Status Run(const Args& a, const GlobalOptions& global) {
  SearchCalibrationOptions sc;
  sc.model_calibration = a.calibration;
  sc.target_fpir = a.target_fpir;
  CANDOR_ASSIGN_OR_RETURN(CliSearch s, BeginCliSearch(a.store, a.gate, SearchKind::kIdentify,
                                                      a.gallery, a.image, sc));
  s.req.candidate_list_size = a.k;
  const Store& store = *s.desk.store;
  CANDOR_ASSIGN_OR_RETURN(
      CompletedSearch done,
      s.desk.desk->Identify(s.desk.gate.operator_principal, s.req,
                            GalleryProbe(store, a.gallery, a.image, a.flags)));
  WarnIfUnrecorded(done);
  // Recorded for review; the requester sees no identity or score.
  ShowIdentify(done, a.gallery, global.json);
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"identify", "1:N: record candidates above the calibrated threshold for two-person review",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.add_option("--gallery", a->gallery, "Gallery name")->required();
       sub.add_option("-k", a->k, "Candidates returned at most")->check(CLI::Range(1, 1000));
       sub.add_option("image", a->image, "Probe image or template file")->required();
       sub.add_option("--calibration", a->calibration,
                      "Calibration file (default calibration/<model>.json)");
       sub.add_option("--target-fpir", a->target_fpir,
                      "False-positive identification rate the threshold is set for")
           ->check(CLI::Range(0.0, 1.0));
       AddStoreFlags(sub, &a->store);
       AddSearchGateFlags(sub, &a->gate);
       AddPipelineFlags(sub, &a->flags);
       return [a, &global] { return Run(*a, global); };
     }});

}  // namespace
}  // namespace candor::cli
