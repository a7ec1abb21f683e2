// Copyright 2026 The Candor Authors.
//
// candor identify --gallery G [-k N] IMG: 1:N identification of the largest
// face in IMG (or a template file): up to k candidates scoring at or above the
// threshold calibrated for --target-fpir (default 0.1 %) at this gallery's
// size, each with the FPIR its score stands for. "No candidate above
// threshold" is an explicit outcome (exit 0). Like the server, it runs only
// as a named operator under an authorization, through the governance gate,
// and is audited (allowed or refused).

#include <iostream>
#include <optional>

#include "cli/cli_search.h"
#include "cli/command.h"

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
  CANDOR_ASSIGN_OR_RETURN(
      CliSearch s, BeginCliSearch(a.store, a.gate, SearchKind::kIdentify, a.gallery, a.image));
  s.req.candidate_list_size = a.k;
  std::optional<Calibration> cal;
  uint64_t n = 1;
  auto threshold = [&](const GalleryInfo& g, SearchKind) -> StatusOr<float> {
    CANDOR_ASSIGN_OR_RETURN(Calibration c, GalleryCalibration(g, a.calibration));
    n = static_cast<uint64_t>(std::max<int64_t>(1, g.subjects));
    CANDOR_ASSIGN_OR_RETURN(ThresholdChoice choice, c.ThresholdForFpir(a.target_fpir, n));
    cal = std::move(c);
    return static_cast<float>(choice.threshold);
  };
  CANDOR_ASSIGN_OR_RETURN(
      GovernedIdentifyResult gr,
      GovernedIdentify(*s.gate.governance, *s.store, s.gate.operator_principal, s.req,
                       GalleryProbe(*s.store, a.gallery, a.image, a.flags), threshold));
  const IdentifyResult& r = gr.result;
  const ThresholdChoice choice{r.threshold};
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : r.candidates) {
    cands.push_back({{"subject", c.subject_id}, {"record_ref", c.record_ref}, {"score", c.score},
                     {"fpir_at_score", RateJson(cal->FpirAt(c.score, n))}});
  }
  nlohmann::json doc = {{"search_id", gr.ticket.search_id},
                        {"label", gr.ticket.label},
                        {"gallery", a.gallery},
                        {"probe", a.image},
                        {"gallery_subjects", r.gallery_subjects},
                        {"k", a.k},
                        {"target_fpir", a.target_fpir},
                        {"threshold", choice.threshold},
                        {"outcome", r.no_candidate_above_threshold ? "no candidate above threshold"
                                                                   : "candidates"},
                        {"candidates", cands},
                        {"note", kLeadNote}};
  if (global.json) {
    std::cout << doc.dump(2) << std::endl;
    return OkStatus();
  }
  std::printf("search %s (audited)\n", gr.ticket.search_id.c_str());
  std::printf("gallery %s (%lld subjects), threshold %.4f for FPIR %.1e\n", a.gallery.c_str(),
              static_cast<long long>(r.gallery_subjects), choice.threshold, a.target_fpir);
  if (r.no_candidate_above_threshold) std::printf("no candidate above threshold\n");
  int rank = 1;
  for (const auto& c : r.candidates) {
    std::printf("%2d. %-32s score %.4f  FPIR at this score %.2e\n", rank++, c.subject_id.c_str(),
                c.score, cal->FpirAt(c.score, n).value);
  }
  std::printf("%s\n", kLeadNote);
  return OkStatus();
}

const bool kRegistered = RegisterCommand({
    "identify", "1:N: candidates for a probe image above the calibrated threshold, with FPIR",
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
