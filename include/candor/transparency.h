// Copyright 2026 The Candor Authors.
//
// The public transparency report: counts of searches over a period, by legal
// basis, by gallery, by outcome, by requester role; exigent searches and how
// many were later backed by a judicial authorization or purged; refusals; and
// lead reviews. It holds no biometric data and no subject identities: only
// counts and the names of galleries, bases and roles.
// Pure values and functions; thread-safe.

#ifndef CANDOR_TRANSPARENCY_H_
#define CANDOR_TRANSPARENCY_H_

#include <cstdint>
#include <map>
#include <string>

namespace candor {

struct TransparencyReport {
  int64_t from_ms = 0;  // inclusive
  int64_t to_ms = 0;    // exclusive
  int64_t generated_ms = 0;
  int64_t searches = 0;  // requests, refused included
  int64_t refused = 0;
  std::map<std::string, int64_t> by_basis;    // allowed searches; "consent_1to1" for exempt
  std::map<std::string, int64_t> by_gallery;  // allowed searches
  // "no_candidate", "candidates", "confirmed_lead", "pending" (no result yet)
  std::map<std::string, int64_t> by_outcome;
  std::map<std::string, int64_t> by_role;                  // requests by requester role
  std::map<std::string, int64_t> by_kind;  // requests: "identify", "verify", "duplicate_check"
  std::map<std::string, int64_t> refusals_by_reason_kind;  // e.g. "training expired"
  int64_t exigent_searches = 0;
  int64_t exigent_later_authorized = 0;
  int64_t exigent_purged = 0;
  int64_t exigent_pending = 0;  // still within the window, not yet backed
  int64_t searches_purged_by_retention = 0;
  int64_t leads_released = 0;
  int64_t reviews_confirm = 0;
  int64_t reviews_reject = 0;
  // Where thresholds came from (issue 10): searches of the period by the
  // calibration their threshold came from ("gallery": the gallery's own
  // in-gallery calibration; "model": the model's file, measured on other
  // photos; "fixed": none; "unrecorded": no sealed record says), and each
  // gallery's current identify threshold source, in words. Filled by the
  // caller that holds the search records (the service); empty otherwise.
  std::map<std::string, int64_t> by_threshold_calibration;
  std::map<std::string, std::string> threshold_sources;  // gallery -> source
};

// Stable JSON (keys sorted), ISO-8601 period bounds.
std::string TransparencyToJson(const TransparencyReport& r);
// A self-contained HTML page (no scripts, no external resources) with
// inline-SVG bar charts for each breakdown.
std::string TransparencyToHtml(const TransparencyReport& r);

}  // namespace candor

#endif  // CANDOR_TRANSPARENCY_H_
