// Copyright 2026 The Candor Authors.
//
// Names of governance enums, as stored and as shown in JSON.

#include "candor/govern_types.h"

namespace candor {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kEnroller:
      return "enroller";
    case Role::kInvestigator:
      return "investigator";
    case Role::kExaminer:
      return "examiner";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kAuditor:
      return "auditor";
  }
  return "unknown";
}

StatusOr<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kAdmin, Role::kEnroller, Role::kInvestigator, Role::kExaminer,
                 Role::kSupervisor, Role::kAuditor}) {
    if (RoleName(r) == name) return r;
  }
  return InvalidArgumentError("unknown role '" + std::string(name) +
                              "' (admin, enroller, investigator, examiner, supervisor, auditor)");
}

std::string_view BasisName(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kWarrant:
      return "warrant";
    case LegalBasis::kCourtOrder:
      return "court_order";
    case LegalBasis::kSubpoena:
      return "subpoena";
    case LegalBasis::kConsent:
      return "consent";
    case LegalBasis::kExigent:
      return "exigent";
  }
  return "unknown";
}

StatusOr<LegalBasis> ParseBasis(std::string_view name) {
  for (LegalBasis b : {LegalBasis::kWarrant, LegalBasis::kCourtOrder, LegalBasis::kSubpoena,
                       LegalBasis::kConsent, LegalBasis::kExigent}) {
    if (BasisName(b) == name) return b;
  }
  return InvalidArgumentError("unknown legal basis '" + std::string(name) +
                              "' (warrant, court_order, subpoena, consent, exigent)");
}

bool IsJudicial(LegalBasis basis) {
  return basis == LegalBasis::kWarrant || basis == LegalBasis::kCourtOrder;
}

std::string_view AuthorizationStatusName(AuthorizationStatus s) {
  switch (s) {
    case AuthorizationStatus::kPending:
      return "pending";
    case AuthorizationStatus::kActive:
      return "active";
    case AuthorizationStatus::kRevoked:
      return "revoked";
    case AuthorizationStatus::kLapsed:
      return "lapsed";
  }
  return "unknown";
}

std::string_view SearchKindName(SearchKind kind) {
  switch (kind) {
    case SearchKind::kIdentify:
      return "identify";
    case SearchKind::kVerify:
      return "verify";
    case SearchKind::kDuplicateCheck:
      return "duplicate_check";
  }
  return "unknown";
}

std::string_view SearchOutcomeName(SearchOutcome o) {
  switch (o) {
    case SearchOutcome::kPending:
      return "pending";
    case SearchOutcome::kRefused:
      return "refused";
    case SearchOutcome::kNoCandidate:
      return "no_candidate";
    case SearchOutcome::kCandidates:
      return "candidates";
  }
  return "unknown";
}

}  // namespace candor
