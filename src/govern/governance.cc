// Copyright 2026 The Candor Authors.
//
// Governance: opening the store, the schema, audit helpers, accounts,
// credentials and gallery policies.

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>

#include "candor/govern.h"
#include "common/sqlite.h"
#include "govern/secret_hash.h"

namespace candor {

using govern_internal::HashCost;
using sqlite::Db;
using sqlite::Stmt;
using sqlite::Transaction;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  pw_hash TEXT NOT NULL,
  training_expires_ms INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  created_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  token_id TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL,
  hash TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS galleries (
  name TEXT PRIMARY KEY,
  allowed_bases TEXT NOT NULL,
  retention_class TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS authorizations (
  id TEXT PRIMARY KEY,
  basis TEXT NOT NULL, reference TEXT NOT NULL, authority TEXT NOT NULL,
  case_id TEXT NOT NULL, purpose TEXT NOT NULL, galleries TEXT NOT NULL,
  expires_ms INTEGER NOT NULL, max_searches INTEGER NOT NULL,
  searches_used INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  created_by TEXT NOT NULL, created_ms INTEGER NOT NULL,
  approved_by TEXT NOT NULL DEFAULT '', approved_ms INTEGER NOT NULL DEFAULT 0,
  backed_by TEXT NOT NULL DEFAULT '', backed_ms INTEGER NOT NULL DEFAULT 0,
  users TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS cases (
  case_id TEXT PRIMARY KEY,
  open INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS searches (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  requester TEXT NOT NULL, requester_role TEXT NOT NULL,
  authorization_id TEXT NOT NULL, basis TEXT NOT NULL,
  gallery TEXT NOT NULL, case_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  candidate_list_size INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  refusal TEXT NOT NULL DEFAULT '',
  candidates TEXT NOT NULL DEFAULT '[]',
  retain_until_ms INTEGER NOT NULL,
  purged_ms INTEGER NOT NULL DEFAULT 0,
  purge_reason TEXT NOT NULL DEFAULT '',
  released_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS searches_created ON searches(created_ms);
CREATE TABLE IF NOT EXISTS reviews (
  search_id TEXT NOT NULL REFERENCES searches(id),
  reviewer TEXT NOT NULL, reviewer_role TEXT NOT NULL,
  subject_ref TEXT NOT NULL, decision TEXT NOT NULL, notes TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (search_id, reviewer, subject_ref));
)sql";

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ValidUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

constexpr const char* kAccountCols =
    "id, username, role, training_expires_ms, disabled, created_ms";

StatusOr<Account> AccountFromRow(const Stmt& s) {
  Account a;
  a.id = s.Int(0);
  a.username = s.Text(1);
  CANDOR_ASSIGN_OR_RETURN(a.role, ParseRole(s.Text(2)));
  a.training_expires_ms = s.Int(3);
  a.disabled = s.Int(4) != 0;
  a.created_ms = s.Int(5);
  return a;
}

Principal ToPrincipal(const Account& a) {
  return Principal{a.id, a.username, a.role, a.training_expires_ms, a.disabled};
}

// Token format: "cnd_<16 hex id>.<43 base64url secret>".
bool SplitToken(const std::string& token, std::string* id, std::string* secret) {
  if (token.size() != 4 + 16 + 1 + 43 || token.rfind("cnd_", 0) != 0 || token[20] != '.') {
    return false;
  }
  *id = token.substr(4, 16);
  *secret = token.substr(21);
  return std::all_of(id->begin(), id->end(), [](char c) { return std::isxdigit(c); });
}

}  // namespace

Governance::Governance(GovernanceOptions options) : options_(std::move(options)) {}
Governance::~Governance() = default;

StatusOr<std::unique_ptr<Governance>> Governance::Open(const std::filesystem::path& store_dir,
                                                       AuditSigningKey audit_key,
                                                       GovernanceOptions options) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  if (!options.clock) options.clock = SystemNowMs;
  const PolicyParams& p = options.policy;
  if (p.min_candidates < 2 || p.max_candidates > 50 || p.min_candidates > p.max_candidates ||
      p.default_candidates < p.min_candidates || p.default_candidates > p.max_candidates) {
    return InvalidArgumentError(
        "candidate list size policy must satisfy 2 <= min <= default <= "
        "max <= 50");
  }
  if (p.exigent_window_ms <= 0) return InvalidArgumentError("exigent window must be positive");
  if (options.default_retention_ms <= 0) {
    return InvalidArgumentError("default retention period must be positive");
  }
  for (const auto& [name, ms] : options.retention_classes) {
    if (name.empty() || ms <= 0) {
      return InvalidArgumentError("retention class '" + name +
                                  "' needs a name and a positive period");
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(store_dir, ec);
  if (ec) return InternalError("cannot create " + store_dir.string() + ": " + ec.message());

  std::unique_ptr<Governance> g(new Governance(std::move(options)));
  g->audit_path_ = store_dir / "audit.log";
  AuditLogOptions ao;
  ao.checkpoint_every = g->options_.audit_checkpoint_every;
  ao.clock = g->options_.clock;
  ao.mirror = g->options_.audit_mirror;
  CANDOR_ASSIGN_OR_RETURN(g->audit_, AuditLog::Open(g->audit_path_, std::move(audit_key), ao));
  CANDOR_ASSIGN_OR_RETURN(
      g->db_, Db::Open((store_dir / "govern.db").string(), {.label = "governance database"}));
  CANDOR_RETURN_IF_ERROR(
      g->db_->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  CANDOR_RETURN_IF_ERROR(g->db_->Exec(kSchema));
  // Stores from before authorizations named their users: add the column
  // (empty: usable by the requester only).
  if (!Stmt::Prepare(*g->db_, "SELECT users FROM authorizations LIMIT 0").ok()) {
    CANDOR_RETURN_IF_ERROR(g->db_->Exec(
        "ALTER TABLE authorizations ADD COLUMN users TEXT NOT NULL DEFAULT '[]'"));
  }
  return g;
}

const std::filesystem::path& Governance::audit_log_path() const { return audit_path_; }

StatusOr<AuditVerifyReport> Governance::VerifyAuditLive(
    const std::vector<uint8_t>& public_key) const {
  return audit_->VerifyLive(public_key);
}

StatusOr<std::vector<AuditEntry>> Governance::ReadAuditLive() const { return audit_->ReadLive(); }

Status Governance::CheckRetentionClass(const std::string& name) const {
  if (options_.retention_classes.count(name)) return OkStatus();
  std::string known;
  for (const auto& [n, ms] : options_.retention_classes) {
    known += (known.empty() ? "" : ", ") + n + " (" +
             (ms % kMsPerDay == 0 ? std::to_string(ms / kMsPerDay) + " d"
                                  : std::to_string(ms / 3'600'000) + " h") +
             ")";
  }
  return InvalidArgumentError("unknown retention class '" + name.substr(0, 64) + "': one of " +
                              known);
}

Status Governance::AuditOrFail(AuditEntry e) {
  auto seq = audit_->Append(std::move(e));
  if (!seq.ok()) return seq.status().WithContext("audit log write failed; action refused");
  return OkStatus();
}

StatusOr<uint64_t> Governance::Audit(AuditEntry entry) {
  std::lock_guard<std::mutex> lock(mu_);
  return audit_->Append(std::move(entry));
}

Status Governance::Refuse(const Principal* who, std::string action, Status refusal,
                          std::string detail) {
  AuditEntry e;
  e.actor = who ? who->username : "-";
  e.role = who ? std::string(RoleName(who->role)) : "-";
  e.action = std::move(action);
  e.decision = "deny";
  e.outcome = "refused";
  e.reason = std::string(CodeName(refusal.code())) + ": " + refusal.message() +
             (detail.empty() ? "" : " [" + detail + "]");
  CANDOR_RETURN_IF_ERROR(AuditOrFail(std::move(e)));
  return refusal;
}

Status Governance::RequireRole(const Principal& who, std::initializer_list<Role> roles,
                               const char* action) {
  if (who.disabled) return Refuse(&who, action, PermissionDeniedError("account is disabled"));
  for (Role r : roles) {
    if (who.role == r) return OkStatus();
  }
  return Refuse(&who, action,
                PermissionDeniedError("role '" + std::string(RoleName(who.role)) +
                                      "' may not perform " + action));
}

StatusOr<Principal> Governance::LoadPrincipal(const std::string& username) {
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_, std::string("SELECT ") + kAccountCols +
                                                          " FROM accounts WHERE username=?"));
  s.Bind(1, username);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFoundError("no account '" + username + "'");
  CANDOR_ASSIGN_OR_RETURN(Account a, AccountFromRow(s));
  return ToPrincipal(a);
}

StatusOr<Account> Governance::InsertAccount(const std::string& actor, const std::string& username,
                                            Role role, const std::string& password,
                                            int64_t training_expires_ms) {
  if (!ValidUsername(username)) {
    return InvalidArgumentError("username must be 3-64 characters of a-z 0-9 . _ -");
  }
  if (!password.empty() && password.size() < 12) {
    return InvalidArgumentError("password must be at least 12 characters");
  }
  if (password.size() > 1024) return InvalidArgumentError("password too long");
  std::string hash = "!";  // no password: token-only account
  if (!password.empty()) {
    CANDOR_ASSIGN_OR_RETURN(hash,
                            govern_internal::HashSecret(password, options_.fast_password_hashing
                                                                      ? HashCost::kTestOnlyMinimal
                                                                      : HashCost::kPassword));
  }
  const int64_t now = options_.clock();
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_,
                                                "INSERT INTO accounts(username, role, pw_hash, "
                                                "training_expires_ms, created_ms, created_by) "
                                                "VALUES(?,?,?,?,?,?)"));
  s.Bind(1, username)
      .Bind(2, RoleName(role))
      .Bind(3, hash)
      .Bind(4, training_expires_ms)
      .Bind(5, now)
      .Bind(6, actor);
  Status st = s.Run();
  if (st.code() == Code::kAlreadyExists)
    return AlreadyExistsError("account '" + username + "' exists");
  CANDOR_RETURN_IF_ERROR(st);
  AuditEntry e;
  e.actor = actor;
  e.role = actor == "-" ? "bootstrap" : "admin";
  e.action = "account.create";
  e.decision = "allow";
  e.outcome = "ok";
  e.reason = "created '" + username + "' as " + std::string(RoleName(role));
  CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
  Account a;
  a.id = 0;
  a.username = username;
  a.role = role;
  a.training_expires_ms = training_expires_ms;
  a.created_ms = now;
  CANDOR_ASSIGN_OR_RETURN(Principal p, LoadPrincipal(username));
  a.id = p.account_id;
  return a;
}

StatusOr<Account> Governance::BootstrapAdmin(const std::string& username,
                                             const std::string& password,
                                             int64_t training_expires_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_, "SELECT COUNT(*) FROM accounts"));
  CANDOR_RETURN_IF_ERROR(s.Step().status());
  if (s.Int(0) > 0) {
    return Refuse(nullptr, "account.bootstrap",
                  FailedPreconditionError("accounts exist; use an admin account to add more"));
  }
  return InsertAccount("-", username, Role::kAdmin, password, training_expires_ms);
}

StatusOr<Account> Governance::CreateAccount(const Principal& actor, const std::string& username,
                                            Role role, const std::string& password,
                                            int64_t training_expires_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kAdmin}, "account.create"));
  return InsertAccount(who.username, username, role, password, training_expires_ms);
}

Status Governance::SetTrainingExpiry(const Principal& actor, const std::string& username,
                                     int64_t expires_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kAdmin}, "account.training"));
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_, "UPDATE accounts SET training_expires_ms=? WHERE username=?"));
  s.Bind(1, expires_ms).Bind(2, username);
  CANDOR_RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return NotFoundError("no account '" + username + "'");
  AuditEntry e{0,
               0,
               who.username,
               "admin",
               "account.training",
               "",
               "",
               "",
               -1,
               "allow",
               "ok",
               "training of '" + username + "' valid until " + std::to_string(expires_ms)};
  return AuditOrFail(e);
}

Status Governance::SetDisabled(const Principal& actor, const std::string& username, bool disabled) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kAdmin}, "account.disable"));
  Transaction tx(db_.get());
  CANDOR_RETURN_IF_ERROR(tx.Begin());
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_, "UPDATE accounts SET disabled=? WHERE username=?"));
  s.Bind(1, disabled ? 1 : 0).Bind(2, username);
  CANDOR_RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return NotFoundError("no account '" + username + "'");
  int64_t revoked = 0;
  if (disabled) {  // its tokens die with the disabling: re-enabling revives none
    CANDOR_ASSIGN_OR_RETURN(revoked, RevokeTokensLocked(username));
  }
  AuditEntry e{0,
               0,
               who.username,
               "admin",
               disabled ? "account.disable" : "account.enable",
               "",
               "",
               "",
               -1,
               "allow",
               "ok",
               username + (disabled ? " (" + std::to_string(revoked) + " tokens revoked)" : "")};
  CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
  return tx.Commit();
}

StatusOr<Account> Governance::GetAccount(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_, std::string("SELECT ") + kAccountCols +
                                                          " FROM accounts WHERE username=?"));
  s.Bind(1, username);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFoundError("no account '" + username + "'");
  return AccountFromRow(s);
}

StatusOr<std::vector<Account>> Governance::ListAccounts(const Principal& actor) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kAdmin, Role::kAuditor}, "account.list"));
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_, std::string("SELECT ") + kAccountCols +
                                                          " FROM accounts ORDER BY username"));
  std::vector<Account> out;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    CANDOR_ASSIGN_OR_RETURN(Account a, AccountFromRow(s));
    out.push_back(std::move(a));
  }
  return out;
}

StatusOr<Session> Governance::IssueToken(int64_t account_id, const std::string& kind,
                                         int64_t ttl_ms) {
  const std::string id = govern_internal::RandomHex(8);
  const std::string secret = govern_internal::RandomBase64Url(32);
  CANDOR_ASSIGN_OR_RETURN(std::string hash, govern_internal::HashSecret(secret, HashCost::kToken));
  const int64_t now = options_.clock();
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "INSERT INTO tokens(token_id, account_id, kind, hash, "
                                        "expires_ms, created_ms) VALUES(?,?,?,?,?,?)"));
  s.Bind(1, id).Bind(2, account_id).Bind(3, kind).Bind(4, hash).Bind(5, now + ttl_ms).Bind(6, now);
  CANDOR_RETURN_IF_ERROR(s.Run());
  return Session{"cnd_" + id + "." + secret, now + ttl_ms};
}

StatusOr<Session> Governance::SignIn(const std::string& username, const std::string& password) {
  std::lock_guard<std::mutex> lock(mu_);
  const Status bad = UnauthenticatedError("unknown account or wrong password");
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_,
                                                "SELECT id, pw_hash, disabled, role FROM accounts "
                                                "WHERE username=?"));
  s.Bind(1, username);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  Principal attempted{0, ValidUsername(username) ? username : "-", Role::kInvestigator, 0, false};
  if (!row) {
    // Spend the same time as a real check so timing does not reveal accounts.
    govern_internal::HashSecret(
        password, options_.fast_password_hashing ? HashCost::kTestOnlyMinimal : HashCost::kPassword)
        .status()
        .IgnoreError();
    return Refuse(nullptr, "auth.signin", bad, "username " + attempted.username);
  }
  const int64_t id = s.Int(0);
  const std::string hash = s.Text(1);
  const bool disabled = s.Int(2) != 0;
  auto role = ParseRole(s.Text(3));
  if (role.ok()) attempted.role = *role;
  if (!govern_internal::VerifySecret(password, hash)) return Refuse(&attempted, "auth.signin", bad);
  if (disabled)
    return Refuse(&attempted, "auth.signin", UnauthenticatedError("account is disabled"));
  CANDOR_ASSIGN_OR_RETURN(Session session, IssueToken(id, "session", options_.session_ttl_ms));
  AuditEntry e{0,
               0,
               username,
               std::string(RoleName(attempted.role)),
               "auth.signin",
               "",
               "",
               "",
               -1,
               "allow",
               "ok",
               "session token " + session.token.substr(4, 16)};
  CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
  return session;
}

StatusOr<Session> Governance::CreateApiToken(const Principal& actor, const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kAdmin}, "auth.api_token"));
  CANDOR_ASSIGN_OR_RETURN(Principal target, LoadPrincipal(username));
  CANDOR_ASSIGN_OR_RETURN(Session session,
                          IssueToken(target.account_id, "api", options_.api_token_ttl_ms));
  AuditEntry e{0,
               0,
               who.username,
               "admin",
               "auth.api_token",
               "",
               "",
               "",
               -1,
               "allow",
               "ok",
               "API token " + session.token.substr(4, 16) + " for '" + username + "'"};
  CANDOR_RETURN_IF_ERROR(AuditOrFail(e));
  return session;
}

StatusOr<Principal> Governance::Authenticate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id, secret;
  if (!SplitToken(token, &id, &secret)) {
    return Refuse(nullptr, "auth.token", UnauthenticatedError("malformed token"));
  }
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "SELECT t.hash, t.expires_ms, t.revoked, a.username "
                                        "FROM tokens t JOIN accounts a ON a.id = t.account_id "
                                        "WHERE t.token_id=?"));
  s.Bind(1, id);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || !govern_internal::VerifySecret(secret, s.Text(0))) {
    return Refuse(nullptr, "auth.token", UnauthenticatedError("unknown token"), "token " + id);
  }
  const int64_t expires = s.Int(1);
  const bool revoked = s.Int(2) != 0;
  const std::string username = s.Text(3);
  CANDOR_ASSIGN_OR_RETURN(Principal p, LoadPrincipal(username));
  if (revoked)
    return Refuse(&p, "auth.token", UnauthenticatedError("token was revoked"), "token " + id);
  if (options_.clock() >= expires) {
    return Refuse(&p, "auth.token", UnauthenticatedError("token expired"), "token " + id);
  }
  if (p.disabled) return Refuse(&p, "auth.token", UnauthenticatedError("account is disabled"));
  return p;
}

Status Governance::SignOut(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string id, secret;
  if (!SplitToken(token, &id, &secret)) return UnauthenticatedError("malformed token");
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_, "UPDATE tokens SET revoked=1 WHERE token_id=?"));
  s.Bind(1, id);
  CANDOR_RETURN_IF_ERROR(s.Run());
  AuditEntry e{0, 0, "-", "-", "auth.signout", "", "", "", -1, "", "ok", "token " + id};
  return AuditOrFail(e);
}

StatusOr<int64_t> Governance::RevokeTokensLocked(const std::string& username) {
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_,
                                                "UPDATE tokens SET revoked=1 WHERE revoked=0 AND "
                                                "account_id=(SELECT id FROM accounts WHERE "
                                                "username=?)"));
  s.Bind(1, username);
  CANDOR_RETURN_IF_ERROR(s.Run());
  return db_->Changes();
}

StatusOr<Principal> Governance::CheckPassword(const std::string& username,
                                              const std::string& password,
                                              const std::string& action) {
  std::lock_guard<std::mutex> lock(mu_);
  const Status bad = UnauthenticatedError("unknown account or wrong password");
  auto p = LoadPrincipal(username);
  if (!p.ok()) {
    if (p.status().code() != Code::kNotFound) return p.status();
    govern_internal::HashSecret(
        password, options_.fast_password_hashing ? HashCost::kTestOnlyMinimal : HashCost::kPassword)
        .status()
        .IgnoreError();
    return Refuse(nullptr, action, bad,
                  "username " + (ValidUsername(username) ? username : std::string("-")));
  }
  if (password.empty()) {
    return Refuse(&*p, action, UnauthenticatedError("no credential for '" + username + "'"));
  }
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_, "SELECT pw_hash FROM accounts WHERE username=?"));
  s.Bind(1, username);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || !govern_internal::VerifySecret(password, s.Text(0))) return Refuse(&*p, action, bad);
  if (p->disabled) return Refuse(&*p, action, UnauthenticatedError("account is disabled"));
  return p;  // as Authenticate: the action that follows is audited with its actor
}

Status Governance::ChangePassword(const std::string& username, const std::string& current,
                                  const std::string& replacement) {
  const char* action = "account.password";
  CANDOR_ASSIGN_OR_RETURN(Principal who, CheckPassword(username, current, action));
  std::lock_guard<std::mutex> lock(mu_);
  auto refuse = [&](const std::string& m) {
    return Refuse(&who, action, InvalidArgumentError(m));
  };
  if (replacement.size() < 12) return refuse("the new password must be at least 12 characters");
  if (replacement.size() > 1024) return refuse("the new password is too long");
  if (replacement == current) return refuse("the new password must differ from the current one");
  CANDOR_ASSIGN_OR_RETURN(std::string hash,
                          govern_internal::HashSecret(replacement, options_.fast_password_hashing
                                                                       ? HashCost::kTestOnlyMinimal
                                                                       : HashCost::kPassword));
  Transaction tx(db_.get());
  CANDOR_RETURN_IF_ERROR(tx.Begin());
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_, "UPDATE accounts SET pw_hash=? WHERE username=?"));
  s.Bind(1, hash).Bind(2, username);
  CANDOR_RETURN_IF_ERROR(s.Run());
  CANDOR_ASSIGN_OR_RETURN(int64_t revoked, RevokeTokensLocked(username));
  AuditEntry e;
  e.actor = username;
  e.role = std::string(RoleName(who.role));
  e.action = action;
  e.decision = "allow";
  e.outcome = "ok";
  e.reason = "password changed; " + std::to_string(revoked) + " tokens revoked";
  CANDOR_RETURN_IF_ERROR(AuditOrFail(std::move(e)));
  return tx.Commit();
}

StatusOr<Principal> Governance::LocalPrincipal(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  auto p = LoadPrincipal(username);
  if (!p.ok()) {
    return Refuse(nullptr, "auth.local", UnauthenticatedError("no account '" + username + "'"));
  }
  if (p->disabled) return Refuse(&*p, "auth.local", PermissionDeniedError("account is disabled"));
  return p;
}

StatusOr<std::optional<GalleryPolicy>> Governance::LoadGallery(const std::string& name) {
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "SELECT allowed_bases, retention_class FROM galleries "
                                        "WHERE name=?"));
  s.Bind(1, name);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<GalleryPolicy>();
  GalleryPolicy g;
  g.name = name;
  g.retention_class = s.Text(1);
  nlohmann::json j = nlohmann::json::parse(s.Text(0), nullptr, false);
  if (!j.is_array()) return DataLossError("gallery policy of '" + name + "' is corrupt");
  for (const auto& b : j) {
    if (!b.is_string()) return DataLossError("gallery policy of '" + name + "' is corrupt");
    CANDOR_ASSIGN_OR_RETURN(LegalBasis basis, ParseBasis(b.get<std::string>()));
    g.allowed_bases.push_back(basis);
  }
  return std::optional<GalleryPolicy>(std::move(g));
}

Status Governance::SetGalleryPolicy(const Principal& actor, const GalleryPolicy& policy) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kAdmin}, "gallery.policy"));
  if (policy.name.empty() || policy.name.size() > 128) {
    return InvalidArgumentError("gallery name must be 1-128 characters");
  }
  CANDOR_RETURN_IF_ERROR(CheckRetentionClass(policy.retention_class));
  nlohmann::json bases = nlohmann::json::array();
  for (LegalBasis b : policy.allowed_bases) bases.push_back(std::string(BasisName(b)));
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "INSERT OR REPLACE INTO galleries(name, allowed_bases, "
                                        "retention_class) VALUES(?,?,?)"));
  s.Bind(1, policy.name).Bind(2, bases.dump()).Bind(3, policy.retention_class);
  CANDOR_RETURN_IF_ERROR(s.Run());
  AuditEntry e{0,
               0,
               who.username,
               "admin",
               "gallery.policy",
               "",
               policy.name,
               "",
               -1,
               "allow",
               "ok",
               "allowed bases " + bases.dump() + ", retention " + policy.retention_class};
  return AuditOrFail(e);
}

StatusOr<GalleryPolicy> Governance::GetGalleryPolicy(const std::string& gallery) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(auto g, LoadGallery(gallery));
  if (!g) return NotFoundError("gallery '" + gallery + "' has no governance policy");
  return *g;
}

}  // namespace candor
