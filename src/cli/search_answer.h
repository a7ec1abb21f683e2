// Copyright 2026 The Candor Authors.
//
// What the CLI's searches show once the search desk has run them: `candor
// identify` / `verify` and `candor finger identify` / `verify` answer alike.
//   ShowIdentify: the requester's view (search id, outcome, candidate count,
//     lead label) and where the threshold came from; never an identity or a
//     score (the candidates go to review).
//   ShowVerify: under an authorization the same view as a 1:N; under the
//     subject's consent (IsOperatorDecision) the operator's decision at the
//     threshold, with the score and its FMR for a match only (a non-match and
//     an unknown subject answer alike).
// `extra` fields are added to the JSON (e.g. the modality). Output on stdout,
// JSON with --json. Header-only; used only by the CLI.

#ifndef CANDOR_CLI_SEARCH_ANSWER_H_
#define CANDOR_CLI_SEARCH_ANSWER_H_

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/gallery_flags.h"
#include "cli/lead_view.h"
#include "search_desk/search_desk.h"

namespace candor::cli {

inline void ShowIdentify(const CompletedSearch& done, const std::string& gallery, bool json,
                         const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json doc = SearchSummaryJson(done.ticket, gallery, done.result.candidates.size());
  doc["threshold_source"] = done.threshold.source;
  doc["threshold_calibration"] = done.threshold.calibration;
  doc.update(extra);
  if (json) {
    std::cout << doc.dump(2) << std::endl;
  } else {
    PrintSearchSummary(doc);
    std::cout << "threshold from: " << done.threshold.source << std::endl;
  }
}

struct VerifyShown {
  std::string gallery, subject;
  nlohmann::json probe;  // the probe file(s) as given
  double target_fmr = 0;
  nlohmann::json extra = nlohmann::json::object();
};

inline void ShowVerify(const CompletedSearch& done, const SearchRequest& req,
                       const VerifyShown& v, bool json) {
  const VerifyResult& r = done.verify;
  if (!IsOperatorDecision(req)) {
    // A lead for review: no score, no decision for the requester.
    nlohmann::json doc = SearchSummaryJson(done.ticket, v.gallery, r.match ? 1 : 0);
    doc.update(v.extra);
    if (json) {
      std::cout << doc.dump(2) << std::endl;
    } else {
      PrintSearchSummary(doc);
    }
    return;
  }
  // The operator's decision, as the sealed record has it.
  const nlohmann::json& rec = done.record.summary;
  nlohmann::json doc = {{"search_id", done.ticket.search_id},
                        {"label", done.ticket.label},
                        {"gallery", v.gallery},
                        {"subject", v.subject},
                        {"probe", v.probe},
                        {"target_fmr", v.target_fmr},
                        {"threshold", done.threshold.value},
                        {"threshold_source", done.threshold.source},
                        {"threshold_calibration", done.threshold.calibration},
                        {"decision", r.match ? "candidate match" : "no match"},
                        {"note", kLeadNote}};
  doc.update(v.extra);
  const bool upper = rec.value("fmr_basis", "") == "upper_bound";
  if (r.match) {
    doc["score"] = r.score;
    if (rec.contains("fmr")) {
      doc["fmr_at_score"] = {{"value", rec["fmr"]}, {"basis", rec["fmr_basis"]}};
    }
  }
  if (json) {
    std::cout << doc.dump(2) << std::endl;
  } else if (r.match) {
    std::printf(
        "candidate match: score %.4f; threshold %.4f (FMR %.0e); this score's FMR %.2e%s\n%s\n",
        r.score, done.threshold.value, v.target_fmr, rec.value("fmr", std::nan("")),
        upper ? " (at the limit of the calibration data)" : "", kLeadNote);
  } else {
    std::printf("no match at threshold %.4f (FMR %.0e)\n%s\n", done.threshold.value,
                v.target_fmr, kLeadNote);
  }
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_SEARCH_ANSWER_H_
