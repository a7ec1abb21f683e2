// Copyright 2026 The Candor Authors.
//
// The search policy: one pure function that decides every search request.
// Governance::BeginSearch gathers the inputs from its store, calls it, audits
// the decision (allow or deny) and only then lets a search run.
//
// Rules, in the order they are checked (the first failing one is the reason):
//  1. the caller's account is enabled;
//  2. the caller's role may search: investigator or supervisor (exigent:
//     supervisor only); a duplicate check at enrollment: enroller or admin;
//  3. the caller's training / certification has not expired;
//  4. the candidate list size is within [min, max] (default 10, 2..50);
//  5. the gallery has a governance policy;
//  6. a 1:1 verification with recorded consent needs no authorization if the
//     gallery accepts consent;
//  7. otherwise an authorization is cited, exists, names the caller (its
//     creator or one of its listed users: MayUse), is for duplicate checks
//     exactly when the request is one (purpose "duplicate-check"), is approved (active), not
//     revoked or lapsed, not expired, has searches left, names the gallery in
//     its scope, and its basis is one the gallery accepts;
//  8. an exigent authorization without judicial backing is usable only within
//     the exigent window after its creation.
// Thread safety: pure; call from any thread.

#ifndef CANDOR_GOVERN_POLICY_H_
#define CANDOR_GOVERN_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "candor/govern_types.h"

namespace candor {

struct PolicyParams {
  int default_candidates = 10;
  int min_candidates = 2;
  int max_candidates = 50;
  int64_t exigent_window_ms = 48ll * 3600 * 1000;
};

struct PolicyInputs {
  Principal who;
  SearchRequest request;
  std::optional<GalleryPolicy> gallery;        // nullopt: gallery unknown to governance
  std::optional<Authorization> authorization;  // nullopt: none cited or not found
  int64_t now_ms = 0;
  PolicyParams params;
};

PolicyDecision DecideSearch(const PolicyInputs& in);

// True if `username` may search under `a`: its creator (the requester) or one
// of the accounts it lists (AuthorizationSpec::users).
bool MayUse(const Authorization& a, const std::string& username);

}  // namespace candor

#endif  // CANDOR_GOVERN_POLICY_H_
