// Copyright 2026 The Candor Authors.

#include <algorithm>
#include <ctime>

#include "candor/govern_policy.h"

namespace candor {
namespace {

PolicyDecision Deny(Code code, std::string reason) {
  PolicyDecision d;
  d.allowed = false;
  d.code = code;
  d.reason = std::move(reason);
  return d;
}

std::string Date(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool GalleryAccepts(const GalleryPolicy& g, LegalBasis b) {
  return g.allowed_bases.empty() ||
         std::find(g.allowed_bases.begin(), g.allowed_bases.end(), b) != g.allowed_bases.end();
}

std::string BasesList(const GalleryPolicy& g) {
  std::string s;
  for (LegalBasis b : g.allowed_bases) s += (s.empty() ? "" : ", ") + std::string(BasisName(b));
  return s;
}

}  // namespace

bool MayUse(const Authorization& a, const std::string& username) {
  return a.created_by == username ||
         std::find(a.spec.users.begin(), a.spec.users.end(), username) != a.spec.users.end();
}

PolicyDecision DecideSearch(const PolicyInputs& in) {
  const Principal& who = in.who;
  const SearchRequest& req = in.request;
  if (who.disabled)
    return Deny(Code::kPermissionDenied, "account '" + who.username + "' is disabled");
  const bool duplicate_check = req.kind == SearchKind::kDuplicateCheck;
  if (duplicate_check) {
    if (who.role != Role::kEnroller && who.role != Role::kAdmin) {
      return Deny(Code::kPermissionDenied, "role '" + std::string(RoleName(who.role)) +
                                               "' may not run duplicate checks (enrollers and "
                                               "admins, who enroll, may)");
    }
  } else if (who.role != Role::kInvestigator && who.role != Role::kSupervisor) {
    return Deny(Code::kPermissionDenied,
                "role '" + std::string(RoleName(who.role)) + "' may not request searches");
  }
  if (in.now_ms >= who.training_expires_ms) {
    return Deny(Code::kPermissionDenied, "training/certification of '" + who.username +
                                             "' expired on " + Date(who.training_expires_ms));
  }
  const PolicyParams& p = in.params;
  int size = req.candidate_list_size == 0 ? p.default_candidates : req.candidate_list_size;
  if (size < p.min_candidates || size > p.max_candidates) {
    return Deny(Code::kInvalidArgument, "candidate list size " + std::to_string(size) +
                                            " is outside the policy range [" +
                                            std::to_string(p.min_candidates) + ", " +
                                            std::to_string(p.max_candidates) + "]");
  }
  if (!in.gallery) {
    return Deny(Code::kPermissionDenied,
                "gallery '" + req.gallery + "' has no governance policy; searches are refused");
  }
  const GalleryPolicy& g = *in.gallery;
  PolicyDecision allow;
  allow.allowed = true;
  allow.code = Code::kOk;
  allow.candidate_list_size = size;

  if (req.kind == SearchKind::kVerify && req.consent_verify && req.authorization_id.empty()) {
    if (!GalleryAccepts(g, LegalBasis::kConsent)) {
      return Deny(Code::kPermissionDenied, "gallery '" + g.name + "' accepts only " + BasesList(g) +
                                               "; a consent-based 1:1 is not permitted");
    }
    allow.reason = "consent-based 1:1 verification";
    return allow;
  }
  if (req.authorization_id.empty()) {
    return Deny(Code::kPermissionDenied,
                req.kind == SearchKind::kIdentify ? "a 1:N search requires an authorization"
                : duplicate_check
                    ? "a duplicate check is a 1:N search and requires an authorization of "
                      "purpose 'duplicate-check'"
                    : "a 1:1 verification without recorded consent requires an authorization");
  }
  if (!in.authorization) {
    return Deny(Code::kPermissionDenied, "authorization '" + req.authorization_id + "' not found");
  }
  const Authorization& a = *in.authorization;
  // Before anything else about it: someone it does not name learns nothing of
  // its state.
  if (!MayUse(a, who.username)) {
    return Deny(Code::kPermissionDenied, "authorization '" + a.id + "' does not name '" +
                                             who.username +
                                             "': only its requester and the accounts it lists "
                                             "may search under it");
  }
  // A duplicate check has its own basis: an authorization for that purpose,
  // which serves no other search.
  if (duplicate_check != (a.spec.purpose == kDuplicateCheckPurpose)) {
    return Deny(Code::kPermissionDenied,
                duplicate_check
                    ? "authorization '" + a.id + "' is not for duplicate checks (purpose '" +
                          std::string(kDuplicateCheckPurpose) + "')"
                    : "authorization '" + a.id + "' serves duplicate checks at enrollment only");
  }
  switch (a.status) {
    case AuthorizationStatus::kPending:
      return Deny(Code::kPermissionDenied,
                  "authorization '" + a.id + "' has not been approved by a supervisor");
    case AuthorizationStatus::kRevoked:
      return Deny(Code::kPermissionDenied, "authorization '" + a.id + "' was revoked");
    case AuthorizationStatus::kLapsed:
      return Deny(Code::kPermissionDenied,
                  "exigent authorization '" + a.id + "' lapsed without judicial backing");
    case AuthorizationStatus::kActive:
      break;
  }
  if (in.now_ms >= a.spec.expires_ms) {
    return Deny(Code::kPermissionDenied,
                "authorization '" + a.id + "' expired on " + Date(a.spec.expires_ms));
  }
  if (a.searches_used >= a.spec.max_searches) {
    return Deny(Code::kPermissionDenied, "authorization '" + a.id + "' has used all " +
                                             std::to_string(a.spec.max_searches) + " searches");
  }
  if (std::find(a.spec.galleries.begin(), a.spec.galleries.end(), req.gallery) ==
      a.spec.galleries.end()) {
    return Deny(
        Code::kPermissionDenied,
        "gallery '" + req.gallery + "' is not in the scope of authorization '" + a.id + "'");
  }
  if (!GalleryAccepts(g, a.spec.basis)) {
    return Deny(Code::kPermissionDenied, "gallery '" + g.name + "' accepts only " + BasesList(g) +
                                             "; authorization '" + a.id + "' is a " +
                                             std::string(BasisName(a.spec.basis)));
  }
  if (a.spec.basis == LegalBasis::kExigent) {
    if (who.role != Role::kSupervisor) {
      return Deny(Code::kPermissionDenied, "exigent searches may be run by a supervisor only");
    }
    if (a.backed_by.empty() && in.now_ms >= a.created_ms + p.exigent_window_ms) {
      return Deny(Code::kPermissionDenied, "exigent authorization '" + a.id +
                                               "' was not backed by a judicial authorization "
                                               "within the exigent window");
    }
  }
  allow.reason = std::string(BasisName(a.spec.basis)) + " " + a.spec.reference;
  return allow;
}

}  // namespace candor
