// Copyright 2026 The Candor Authors.
//
// Value types of the governance core: roles, legal bases, accounts,
// authorizations, gallery policies, search requests and their records.
// Plain values; no thread-safety concerns. Times are Unix milliseconds.

#ifndef CANDOR_GOVERN_TYPES_H_
#define CANDOR_GOVERN_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor {

// admin: accounts and gallery policies; enroller: adds gallery records;
// investigator: requests searches; examiner: reviews candidates; supervisor:
// approves authorizations, runs exigent searches, gives second confirmations;
// auditor: reads the audit log and reports, never biometric data or identities.
enum class Role { kAdmin, kEnroller, kInvestigator, kExaminer, kSupervisor, kAuditor };
std::string_view RoleName(Role role);             // "admin", "investigator", ...
StatusOr<Role> ParseRole(std::string_view name);  // INVALID_ARGUMENT if unknown

enum class LegalBasis { kWarrant, kCourtOrder, kSubpoena, kConsent, kExigent };
std::string_view BasisName(LegalBasis basis);  // "warrant", "court_order", ...
StatusOr<LegalBasis> ParseBasis(std::string_view name);
// Warrant and court order: issued by a judge; they can back an exigent search.
bool IsJudicial(LegalBasis basis);

struct Account {
  int64_t id = 0;
  std::string username;
  Role role = Role::kInvestigator;
  int64_t training_expires_ms = 0;  // certification expiry: after it, no search or review
  bool disabled = false;
  int64_t created_ms = 0;
};

// An authenticated caller, as returned by Governance::Authenticate.
struct Principal {
  int64_t account_id = 0;
  std::string username;
  Role role = Role::kInvestigator;
  int64_t training_expires_ms = 0;
  bool disabled = false;
};

struct AuthorizationSpec {
  LegalBasis basis = LegalBasis::kWarrant;
  std::string reference;          // warrant / order / consent-form number
  std::string issuing_authority;  // court, judge, agency
  std::string case_id;
  std::string purpose;                 // offence or purpose
  std::vector<std::string> galleries;  // galleries in scope (non-empty)
  int64_t expires_ms = 0;
  int64_t max_searches = 1;  // 1..100000
  // Who may search under it besides its creator (the requester): at most 16
  // existing investigator or supervisor accounts. Nobody else may, not even a
  // supervisor (docs/GOVERNANCE.md, "Who may use an authorization").
  std::vector<std::string> users;
};

enum class AuthorizationStatus { kPending, kActive, kRevoked, kLapsed };
std::string_view AuthorizationStatusName(AuthorizationStatus s);

struct Authorization {
  std::string id;
  AuthorizationSpec spec;
  AuthorizationStatus status = AuthorizationStatus::kPending;
  std::string created_by;
  int64_t created_ms = 0;
  std::string approved_by;  // a supervisor other than the creator (exigent: the creator)
  int64_t approved_ms = 0;
  int64_t searches_used = 0;
  std::string backed_by;  // exigent only: the judicial authorization backing it
  int64_t backed_ms = 0;
};

// What governance needs to know about a gallery. `allowed_bases` empty means
// any basis except exigent-only restrictions; a licence-photo gallery would
// list {warrant, court_order}.
struct GalleryPolicy {
  std::string name;
  std::vector<LegalBasis> allowed_bases;
  std::string retention_class = "standard";  // key into GovernanceOptions::retention_classes
};

// kDuplicateCheck: a 1:N search of a gallery for a subject about to be
// enrolled, by an enroller or admin, under its own authorization (purpose
// kDuplicateCheckPurpose); its candidates go to review like an identify's.
enum class SearchKind { kIdentify /* 1:N */, kVerify /* 1:1 */, kDuplicateCheck /* 1:N */ };
std::string_view SearchKindName(SearchKind kind);  // "identify", "verify", "duplicate_check"
inline constexpr std::string_view kDuplicateCheckPurpose = "duplicate-check";

struct SearchRequest {
  SearchKind kind = SearchKind::kIdentify;
  std::string gallery;
  std::string authorization_id;  // required unless a consent-based 1:1
  bool consent_verify = false;   // 1:1 with the subject's recorded consent
  int candidate_list_size = 0;   // 0: the policy default
  std::string probe_hash;        // hex SHA-256 of the probe image
};

// The policy's answer. When !allowed, `code` is PERMISSION_DENIED (HTTP 403),
// UNAUTHENTICATED (401) or INVALID_ARGUMENT (400) and `reason` says precisely why.
struct PolicyDecision {
  bool allowed = false;
  Code code = Code::kPermissionDenied;
  std::string reason;
  int candidate_list_size = 0;  // the list size to use when allowed
  Status ToStatus() const { return allowed ? OkStatus() : Status(code, reason); }
};

// The label every result carries.
inline constexpr std::string_view kLeadLabel =
    "INVESTIGATIVE LEAD ONLY - NOT A POSITIVE IDENTIFICATION. Candidates require review by "
    "trained examiners and independent corroboration.";

// Returned by Governance::BeginSearch when a search may run.
struct SearchTicket {
  std::string search_id;
  int candidate_list_size = 10;
  std::string label{kLeadLabel};
};

struct LeadCandidate {
  std::string subject_ref;  // gallery subject reference
  double score = 0;
};

enum class SearchOutcome { kPending, kRefused, kNoCandidate, kCandidates };
std::string_view SearchOutcomeName(SearchOutcome o);

struct SearchRecord {
  std::string id;
  SearchKind kind = SearchKind::kIdentify;
  std::string requester;
  std::string requester_role;
  std::string authorization_id;
  std::string basis;  // "" for consent 1:1 without an authorization
  std::string gallery;
  std::string case_id;
  int64_t created_ms = 0;
  int candidate_list_size = 0;
  SearchOutcome outcome = SearchOutcome::kPending;
  std::vector<LeadCandidate> candidates;  // empty once purged
  int64_t retain_until_ms = 0;
  int64_t purged_ms = 0;  // 0 = not purged
  std::string purge_reason;
  int64_t released_ms = 0;  // 0 = lead not released
};

enum class ReviewDecision { kConfirm, kReject };

struct Review {
  std::string reviewer;
  std::string reviewer_role;
  std::string subject_ref;
  ReviewDecision decision = ReviewDecision::kConfirm;
  std::string notes;
  int64_t created_ms = 0;
};

// A released lead: candidates confirmed by two qualified people.
struct Lead {
  std::string search_id;
  std::string gallery;  // the searched gallery (its subjects' references are keyed there)
  std::vector<std::string> confirmed_subject_refs;
  std::vector<Review> reviews;
  std::string label{kLeadLabel};
};

struct Session {
  std::string token;  // shown once; only its Argon2id hash is stored
  int64_t expires_ms = 0;
};

struct PurgeSummary {
  int64_t searches_purged = 0;          // retention period over, no open case
  int64_t exigent_searches_purged = 0;  // exigent without judicial backing in time
  int64_t authorizations_lapsed = 0;
  int64_t sessions_removed = 0;
};

}  // namespace candor

#endif  // CANDOR_GOVERN_TYPES_H_
