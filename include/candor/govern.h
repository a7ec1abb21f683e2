// Copyright 2026 The Candor Authors.
//
// Governance: the oversight core the server and the CLI wire in. It owns
//  - accounts and roles, password sign-in (short-lived session tokens) and API
//    tokens, stored only as Argon2id hashes, with training/certification expiry;
//  - authorizations (legal basis, reference, authority, case, purpose, galleries,
//    expiry, maximum searches), approved by a supervisor other than the creator;
//    exigent ones (supervisor only) must be backed by a judicial authorization
//    within the exigent window or their searches are purged;
//  - the search gate: every search request goes through BeginSearch, which
//    applies DecideSearch (govern_policy.h) and audits allow and deny alike;
//  - leads, not identifications: results are stored for examiner review and
//    released to the requester only after an examiner's confirmation and a
//    second qualified person's (examiner or supervisor), never the same person
//    twice, never the requester;
//  - retention: Purge(now) removes search results (and, through a callback,
//    the probe images the server keeps) after the gallery's retention period
//    unless an open case holds them;
//  - the audit log (audit.h): every call below that touches accounts,
//    authorizations or biometric data, refused ones included, appends an entry.
//
// Storage: <store>/govern.db (SQLite, WAL; governance tables only, never the
// gallery's) and <store>/audit.log (+ .anchor). The audit signing key is passed
// in; keep it outside the store in production.
//
// Errors: PERMISSION_DENIED (403) for a refused action with the precise reason,
// UNAUTHENTICATED (401) for bad, expired or revoked credentials,
// INVALID_ARGUMENT (400) for malformed input, NOT_FOUND, ALREADY_EXISTS,
// FAILED_PRECONDITION (e.g. a lead not yet confirmed), INTERNAL / DATA_LOSS for
// storage failures. If the audit entry for an action cannot be written the
// action fails (no unaudited access).
//
// Thread safety: all methods are safe to call concurrently (one internal mutex).
// One Governance per store directory per process; the audit log's lock refuses
// a second process.

#ifndef CANDOR_GOVERN_H_
#define CANDOR_GOVERN_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "candor/audit.h"
#include "candor/govern_policy.h"
#include "candor/govern_types.h"
#include "candor/status.h"
#include "candor/transparency.h"

namespace candor {

namespace sqlite {
class Db;
}

inline constexpr int64_t kMsPerDay = 24ll * 3600 * 1000;

struct GovernanceOptions {
  std::function<int64_t()> clock;             // Unix ms; default: system clock
  PolicyParams policy;                        // candidate list size, exigent window
  int64_t session_ttl_ms = 30ll * 60 * 1000;  // session tokens: 30 minutes
  int64_t api_token_ttl_ms = 90 * kMsPerDay;  // API tokens: 90 days
  int64_t default_retention_ms = 30 * kMsPerDay;
  // Gallery retention classes -> how long probes and results are kept.
  std::map<std::string, int64_t> retention_classes = {
      {"short", 7 * kMsPerDay}, {"standard", 30 * kMsPerDay}, {"extended", 365 * kMsPerDay}};
  uint64_t audit_checkpoint_every = 64;
  // A replicated copy of the audit log (AuditLogOptions::mirror; the
  // cluster's audit stream): actions are acknowledged only once it holds
  // their entries.
  std::shared_ptr<AuditMirror> audit_mirror;
  // Tests only: Argon2id at minimal cost for passwords too.
  bool fast_password_hashing = false;
  // Called by Purge for each search whose probe image must be deleted (the
  // server keeps the images). A failure stops the purge of that search (it is
  // retried next time) and is audited.
  std::function<Status(const std::string& search_id)> purge_probe;
};

class Governance {
 public:
  static StatusOr<std::unique_ptr<Governance>> Open(const std::filesystem::path& store_dir,
                                                    AuditSigningKey audit_key,
                                                    GovernanceOptions options = {});
  ~Governance();

  // ---- Accounts -------------------------------------------------------------
  // Creates the first admin when there are no accounts at all (set-up / CLI
  // bootstrap). FAILED_PRECONDITION once any account exists.
  StatusOr<Account> BootstrapAdmin(const std::string& username, const std::string& password,
                                   int64_t training_expires_ms);
  // Admin only. Username: 3-64 of [a-z0-9._-]; password: at least 12 characters
  // (empty password: a machine account that signs in only with API tokens).
  StatusOr<Account> CreateAccount(const Principal& actor, const std::string& username, Role role,
                                  const std::string& password, int64_t training_expires_ms);
  Status SetTrainingExpiry(const Principal& actor, const std::string& username, int64_t expires_ms);
  // Disabling revokes every session and API token of the account, so
  // re-enabling it revives none of them (the person signs in again).
  Status SetDisabled(const Principal& actor, const std::string& username, bool disabled);
  StatusOr<Account> GetAccount(const std::string& username);
  StatusOr<std::vector<Account>> ListAccounts(const Principal& actor);

  // Password sign-in -> a session token valid for session_ttl_ms.
  // UNAUTHENTICATED (same message for unknown user and wrong password).
  StatusOr<Session> SignIn(const std::string& username, const std::string& password);
  // Admin issues an API token for `username` (a machine account).
  StatusOr<Session> CreateApiToken(const Principal& actor, const std::string& username);
  // Resolves a session or API token. UNAUTHENTICATED if malformed, unknown,
  // expired, revoked or the account is disabled (the refusal is audited).
  StatusOr<Principal> Authenticate(const std::string& token);
  Status SignOut(const std::string& token);
  // A named account checked against its password without issuing a token (the
  // CLI's operator). A refusal is audited under `action`; a success is not (as
  // Authenticate: the action that follows is audited with its actor).
  // UNAUTHENTICATED for an unknown account, a wrong or empty password (the
  // same message for unknown and wrong), or a disabled account.
  StatusOr<Principal> CheckPassword(const std::string& username, const std::string& password,
                                    const std::string& action = "auth.local");
  // The account itself, with its current password: sets a new one (at least
  // 12 characters, different from the current) and revokes every session and
  // API token of the account. Audited ("account.password"), refusals too.
  // UNAUTHENTICATED (wrong current password), INVALID_ARGUMENT (new password).
  Status ChangePassword(const std::string& username, const std::string& current,
                        const std::string& replacement);
  // An account by name with no credential check, for in-process callers that
  // authenticated it themselves (tests). The CLI never uses it: its operator
  // signs in with CheckPassword or an API token (Authenticate).
  // NOT_FOUND / PERMISSION_DENIED (disabled).
  StatusOr<Principal> LocalPrincipal(const std::string& username);

  // ---- Galleries --------------------------------------------------------------
  // Admin only. Creates or replaces the governance policy of a gallery.
  Status SetGalleryPolicy(const Principal& actor, const GalleryPolicy& policy);
  StatusOr<GalleryPolicy> GetGalleryPolicy(const std::string& gallery);

  // ---- Authorizations ---------------------------------------------------------
  // Investigator or supervisor. Non-exigent ones start pending; exigent ones
  // (supervisor only) are active at once and must be backed within the window.
  StatusOr<Authorization> CreateAuthorization(const Principal& actor,
                                              const AuthorizationSpec& spec);
  // Supervisor other than the creator.
  Status ApproveAuthorization(const Principal& actor, const std::string& id);
  // Supervisor or admin.
  Status RevokeAuthorization(const Principal& actor, const std::string& id, const std::string& why);
  // Supervisor: links an active judicial authorization (warrant / court order,
  // same case) to an exigent one, within the exigent window.
  Status BackExigent(const Principal& actor, const std::string& exigent_id,
                     const std::string& judicial_id);
  StatusOr<Authorization> GetAuthorization(const std::string& id);
  StatusOr<std::vector<Authorization>> ListAuthorizations(const Principal& actor);

  // ---- Cases (retention holds) -------------------------------------------------
  // Supervisor or admin. While a case is open its searches are not purged by
  // the retention period (exigent lapses still purge).
  Status SetCaseOpen(const Principal& actor, const std::string& case_id, bool open);

  // ---- Searches and leads ----------------------------------------------------
  // The gate: decides the request, audits it, counts it against the
  // authorization. Refusals return the policy's status (403/400) and are
  // recorded as refused searches.
  StatusOr<SearchTicket> BeginSearch(const Principal& who, const SearchRequest& request);
  // Records what the search returned (at most the ticket's list size; empty =
  // "no candidate above threshold"). Audited with the number returned.
  Status RecordResult(const std::string& search_id, const std::vector<LeadCandidate>& candidates);
  // Examiners and supervisors (not the requester) see the candidates for review.
  StatusOr<SearchRecord> GetSearchForReview(const Principal& who, const std::string& search_id);
  // Examiner or supervisor with valid training; not the requester; one review
  // per person per candidate.
  Status ReviewCandidate(const Principal& who, const std::string& search_id,
                         const std::string& subject_ref, ReviewDecision decision,
                         const std::string& notes);
  // The requester gets the lead once a candidate has an examiner's confirmation
  // and a second, different qualified person's, and no rejection.
  // FAILED_PRECONDITION otherwise (with what is missing).
  StatusOr<Lead> ReleaseLead(const Principal& who, const std::string& search_id);

  // ---- Retention -----------------------------------------------------------
  // Purges what is due at `now_ms`; each purge is audited.
  StatusOr<PurgeSummary> Purge(int64_t now_ms);

  // ---- Reports and audit ------------------------------------------------------
  // Auditor, supervisor or admin. Counts only; no biometric data, no identities.
  StatusOr<TransparencyReport> Transparency(const Principal& who, int64_t from_ms, int64_t to_ms);
  // Records an action performed elsewhere (e.g. the server's enroll). The
  // caller fills actor/role/action/...; seq and time are assigned.
  StatusOr<uint64_t> Audit(AuditEntry entry);
  const std::filesystem::path& audit_log_path() const;
  // The audit log as completely written now, verified against its anchor with
  // `public_key` / read without verification; safe while other requests append
  // (AuditLog::VerifyLive / ReadLive). Callers check the role and audit the read.
  StatusOr<AuditVerifyReport> VerifyAuditLive(const std::vector<uint8_t>& public_key) const;
  StatusOr<std::vector<AuditEntry>> ReadAuditLive() const;
  int64_t Now() const { return options_.clock(); }
  // The search policy fixed at Open (candidate list sizes, the exigent
  // window): the server reports deadlines and validates requests against it.
  const PolicyParams& policy() const { return options_.policy; }
  // OK when `name` is one of the retention classes fixed at Open; else
  // INVALID_ARGUMENT naming the known classes and their periods.
  Status CheckRetentionClass(const std::string& name) const;

 private:
  explicit Governance(GovernanceOptions options);
  StatusOr<Principal> LoadPrincipal(const std::string& username);
  StatusOr<Authorization> LoadAuthorization(const std::string& id);
  StatusOr<SearchRecord> LoadSearch(const std::string& id);
  StatusOr<std::vector<Review>> LoadReviews(const std::string& search_id);
  StatusOr<std::optional<GalleryPolicy>> LoadGallery(const std::string& name);
  Status AuditOrFail(AuditEntry e);
  Status Refuse(const Principal* who, std::string action, Status refusal, std::string detail = {});
  Status RequireRole(const Principal& who, std::initializer_list<Role> roles, const char* action);
  StatusOr<Account> InsertAccount(const std::string& actor, const std::string& username, Role role,
                                  const std::string& password, int64_t training_expires_ms);
  StatusOr<Session> IssueToken(int64_t account_id, const std::string& kind, int64_t ttl_ms);
  StatusOr<int64_t> RevokeTokensLocked(const std::string& username);  // number revoked
  Status PurgeSearchLocked(const SearchRecord& s, const std::string& reason, int64_t now_ms);

  GovernanceOptions options_;
  std::mutex mu_;
  std::unique_ptr<sqlite::Db> db_;
  std::unique_ptr<AuditLog> audit_;
  std::filesystem::path audit_path_;
};

}  // namespace candor

#endif  // CANDOR_GOVERN_H_
