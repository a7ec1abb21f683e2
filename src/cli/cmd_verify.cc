// Copyright 2026 The Candor Authors.
//
// candor verify --gallery G --subject ID IMG: 1:1 verification of the largest
// face in IMG (or a template file) against every template of the subject,
// through the governance gate as the server's. What the operator sees follows
// the gallery's policy (docs/GOVERNANCE.md, IsOperatorDecision):
//  - under the subject's recorded consent (--consent, a gallery that accepts
//    consent): the decision at the threshold calibrated for --target-fmr, and
//    for a match its score and the false-match rate of that score;
//  - under an authorization: like `candor identify`, only the search id, the
//    outcome and the candidate count; the candidate goes to examiners
//    (`candor review`) and reaches the requester as a released lead.
// An unknown subject answers exactly like a non-match. Exit 0 whatever the
// decision.

#include <memory>

#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/search_answer.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  SearchGateFlags gate;
  bool consent = false;
  PipelineFlags flags;
  std::string gallery, subject, image, calibration;
  double target_fmr = 1e-3;
};

Status Run(const Args& a, const GlobalOptions& global) {
  SearchCalibrationOptions sc;
  sc.model_calibration = a.calibration;
  sc.target_fmr = a.target_fmr;
  CANDOR_ASSIGN_OR_RETURN(CliSearch s, BeginCliSearch(a.store, a.gate, SearchKind::kVerify,
                                                      a.gallery, a.image, sc));
  s.req.consent_verify = a.consent;
  const Store& store = *s.desk.store;
  CANDOR_ASSIGN_OR_RETURN(
      CompletedSearch done,
      s.desk.desk->Verify(s.desk.gate.operator_principal, s.req, a.subject,
                          GalleryProbe(store, a.gallery, a.image, a.flags)));
  WarnIfUnrecorded(done);
  ShowVerify(done, s.req, {a.gallery, a.subject, a.image, a.target_fmr}, global.json);
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "verify", "1:1: a probe image against one enrolled subject, as the gallery's policy says",
    [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
      auto a = std::make_shared<Args>();
      sub.add_option("--gallery", a->gallery, "Gallery name")->required();
      sub.add_option("--subject", a->subject, "Subject id")->required();
      sub.add_option("image", a->image, "Probe image or template file")->required();
      sub.add_option("--calibration", a->calibration,
                     "Calibration file (default calibration/<model>.json)");
      sub.add_option("--target-fmr", a->target_fmr, "False-match rate the threshold is set for")
          ->check(CLI::Range(0.0, 1.0));
      AddStoreFlags(sub, &a->store);
      AddSearchGateFlags(sub, &a->gate);
      sub.add_flag("--consent", a->consent,
                   "1:1 under the subject's recorded consent (no authorization needed; the "
                   "decision goes to you)");
      AddPipelineFlags(sub, &a->flags);
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
