// Copyright 2026 The Candor Authors.
//
// candor verify --gallery G --subject ID IMG: 1:1 verification of the largest
// face in IMG (or a template file) against every template of the subject:
// best score, the decision at the threshold calibrated for --target-fmr, and
// the false-match rate that score corresponds to. Exit 0 whatever the decision.

#include <iostream>
#include <optional>

#include "cli/cli_search.h"
#include "cli/command.h"

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
  const RateEstimate fmr = cal->FmrAt(r.score);
  nlohmann::json doc = {{"search_id", gr.ticket.search_id},
                        {"label", gr.ticket.label},
                        {"gallery", a.gallery},
                        {"subject", a.subject},
                        {"probe", a.image},
                        {"score", r.score},
                        {"templates_compared", r.templates_compared},
                        {"target_fmr", a.target_fmr},
                        {"threshold", choice.threshold},
                        {"decision", r.match ? "candidate match" : "no match"},
                        {"fmr_at_score", RateJson(fmr)},
                        {"note", kLeadNote}};
  if (global.json) {
    std::cout << doc.dump(2) << std::endl;
  } else {
    std::printf("%s: score %.4f over %d template(s); threshold %.4f (FMR %.0e); this score's FMR %.2e%s\n%s\n",
                r.match ? "candidate match" : "no match", r.score, r.templates_compared,
                choice.threshold, a.target_fmr, fmr.value,
                fmr.below_support ? " (at the limit of the calibration data)" : "", kLeadNote);
  }
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "verify", "1:1: a probe image against one enrolled subject (score, calibrated decision, FMR)",
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
                   "1:1 under the subject's recorded consent (no authorization needed)");
      AddPipelineFlags(sub, &a->flags);
      return [a, &global] { return Run(*a, global); };
    }});

}  // namespace
}  // namespace candor::cli
