// Copyright 2026 The Candor Authors.
//
// What `candor identify`, `candor review` and `candor lead` show of a 1:N
// search, following the two-person release of include/candor/govern.h:
//  - the requester, right after the search: its id, outcome and candidate
//    count with the investigative-lead label, never identities or scores
//    (SearchSummaryJson);
//  - examiners and supervisors: the candidates for review (ReviewRecordJson);
//  - the requester, once released: the confirmed candidates and the reviews
//    (LeadJson).
// The JSON field names are the server's (docs/SERVICE.md). Pure functions;
// header-only; used only by the CLI.

#ifndef CANDOR_CLI_LEAD_VIEW_H_
#define CANDOR_CLI_LEAD_VIEW_H_

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "candor/govern_types.h"
#include "server/json_util.h"

namespace candor::cli {

inline const char* LeadOutcome(size_t candidates) {
  return candidates == 0 ? "no candidate above threshold" : "candidates pending review";
}

// The requester's view of a search just run: no identities, no scores.
inline nlohmann::json SearchSummaryJson(const SearchTicket& t, const std::string& gallery,
                                        size_t candidates) {
  nlohmann::json j = {{"search_id", t.search_id},
                      {"gallery", gallery},
                      {"outcome", LeadOutcome(candidates)},
                      {"candidate_count", candidates},
                      {"label", t.label}};
  if (candidates > 0) {
    j["next"] = "an examiner reviews (candor review list --search " + t.search_id +
                "); a second qualified person confirms; then candor lead --search " + t.search_id;
  }
  return j;
}

inline void PrintSearchSummary(const nlohmann::json& j) {
  std::printf("search %s (audited)\n", j["search_id"].get<std::string>().c_str());
  std::printf("outcome: %s (%zu candidates)\n", j["outcome"].get<std::string>().c_str(),
              j["candidate_count"].get<size_t>());
  if (j.contains("next")) std::printf("next: %s\n", j["next"].get<std::string>().c_str());
  std::printf("%s\n", j["label"].get<std::string>().c_str());
}

// Governance holds keyed subject references; `id_of` maps one to the id to
// show (subject_refs.h). Unset: shown as held.
using IdOf = std::function<std::string(const std::string& ref)>;
inline std::string Shown(const IdOf& id_of, const std::string& ref) {
  return id_of ? id_of(ref) : ref;
}

inline nlohmann::json ReviewJson(const Review& r, const IdOf& id_of = {}) {
  return {{"reviewer", r.reviewer},
          {"reviewer_role", r.reviewer_role},
          {"subject_id", Shown(id_of, r.subject_ref)},
          {"decision", r.decision == ReviewDecision::kConfirm ? "confirm" : "reject"},
          {"notes", r.notes},
          {"created_at", server::IsoTime(r.created_ms)}};
}

// For examiners and supervisors: the search and its ranked candidates.
inline nlohmann::json ReviewRecordJson(const SearchRecord& r, const IdOf& id_of = {}) {
  nlohmann::json cands = nlohmann::json::array();
  int rank = 1;
  for (const auto& c : r.candidates) {
    cands.push_back(
        {{"rank", rank++}, {"subject_id", Shown(id_of, c.subject_ref)}, {"score", c.score}});
  }
  return {{"search_id", r.id},
          {"requester", r.requester},
          {"authorization_id", r.authorization_id},
          {"basis", r.basis},
          {"gallery", r.gallery},
          {"case_id", r.case_id},
          {"created_at", server::IsoTime(r.created_ms)},
          {"outcome", std::string(SearchOutcomeName(r.outcome))},
          {"lead_released", r.released_ms != 0},
          {"candidates", cands},
          {"label", std::string(kLeadLabel)}};
}

inline void PrintReviewRecord(const nlohmann::json& j) {
  std::printf("search %s by %s, gallery %s, case %s, authorization %s (%s), %s\n",
              j["search_id"].get<std::string>().c_str(), j["requester"].get<std::string>().c_str(),
              j["gallery"].get<std::string>().c_str(), j["case_id"].get<std::string>().c_str(),
              j["authorization_id"].get<std::string>().c_str(),
              j["basis"].get<std::string>().c_str(), j["created_at"].get<std::string>().c_str());
  std::printf("outcome: %s%s\n", j["outcome"].get<std::string>().c_str(),
              j["lead_released"].get<bool>() ? " (lead released)" : "");
  for (const auto& c : j["candidates"]) {
    std::printf("%2d. %-32s score %.4f\n", c["rank"].get<int>(),
                c["subject_id"].get<std::string>().c_str(), c["score"].get<double>());
  }
  std::printf("%s\n", j["label"].get<std::string>().c_str());
}

// For the requester: the released lead.
inline nlohmann::json LeadJson(const Lead& l, const IdOf& id_of = {}) {
  nlohmann::json reviews = nlohmann::json::array();
  for (const auto& r : l.reviews) reviews.push_back(ReviewJson(r, id_of));
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& ref : l.confirmed_subject_refs) ids.push_back(Shown(id_of, ref));
  return {{"search_id", l.search_id},
          {"confirmed_subject_ids", ids},
          {"reviews", reviews},
          {"label", l.label}};
}

inline void PrintLead(const nlohmann::json& j) {
  std::printf("lead of search %s: %zu confirmed candidates\n",
              j["search_id"].get<std::string>().c_str(), j["confirmed_subject_ids"].size());
  for (const auto& s : j["confirmed_subject_ids"]) {
    std::printf("  %s\n", s.get<std::string>().c_str());
  }
  for (const auto& r : j["reviews"]) {
    std::printf("  review: %s (%s) %s %s: %s\n", r["reviewer"].get<std::string>().c_str(),
                r["reviewer_role"].get<std::string>().c_str(),
                r["decision"].get<std::string>().c_str(),
                r["subject_id"].get<std::string>().c_str(), r["notes"].get<std::string>().c_str());
  }
  std::printf("%s\n", j["label"].get<std::string>().c_str());
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_LEAD_VIEW_H_
