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

#include <iostream>
#include <optional>

#include "cli/cli_search.h"
#include "cli/command.h"
#include "cli/lead_view.h"

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
  CANDOR_ASSIGN_OR_RETURN(
      CliSearch s, BeginCliSearch(a.store, a.gate, SearchKind::kVerify, a.gallery, a.image));
  s.req.consent_verify = a.consent;
  std::optional<Calibration> cal;
  ThresholdChoice choice;
  auto threshold = [&](const GalleryInfo& g, SearchKind) -> StatusOr<float> {
    CANDOR_ASSIGN_OR_RETURN(Calibration c, GalleryCalibration(g, a.calibration));
    CANDOR_ASSIGN_OR_RETURN(choice, c.ThresholdForFmr(a.target_fmr));
    cal = std::move(c);
    return static_cast<float>(choice.threshold);
  };
  CANDOR_ASSIGN_OR_RETURN(
      GovernedVerifyResult gr,
      GovernedVerify(*s.gate.governance, *s.store, s.gate.operator_principal, s.req, a.subject,
                     GalleryProbe(*s.store, a.gallery, a.image, a.flags), threshold));
  const VerifyResult& r = gr.result;
  if (!IsOperatorDecision(s.req)) {
    // A lead for review: no score, no decision for the requester.
    const nlohmann::json doc = SearchSummaryJson(gr.ticket, a.gallery, r.match ? 1 : 0);
    if (global.json) {
      std::cout << doc.dump(2) << std::endl;
    } else {
      PrintSearchSummary(doc);
    }
    return OkStatus();
  }
  nlohmann::json doc = {{"search_id", gr.ticket.search_id},
                        {"label", gr.ticket.label},
                        {"gallery", a.gallery},
                        {"subject", a.subject},
                        {"probe", a.image},
                        {"target_fmr", a.target_fmr},
                        {"threshold", choice.threshold},
                        {"decision", r.match ? "candidate match" : "no match"},
                        {"note", kLeadNote}};
  std::optional<RateEstimate> fmr;
  if (r.match) {  // a non-match and an unknown subject answer alike
    fmr = cal->FmrAt(r.score);
    doc["score"] = r.score;
    doc["fmr_at_score"] = RateJson(*fmr);
  }
  if (global.json) {
    std::cout << doc.dump(2) << std::endl;
  } else if (r.match) {
    std::printf("candidate match: score %.4f; threshold %.4f (FMR %.0e); this score's FMR %.2e%s\n%s\n",
                r.score, choice.threshold, a.target_fmr, fmr->value,
                fmr->below_support ? " (at the limit of the calibration data)" : "", kLeadNote);
  } else {
    std::printf("no match at threshold %.4f (FMR %.0e)\n%s\n", choice.threshold, a.target_fmr,
                kLeadNote);
  }
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
