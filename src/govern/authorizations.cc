// Copyright 2026 The Candor Authors.
//
// Governance: authorizations (create, approve, revoke, back an exigent one)
// and case holds.

#include <nlohmann/json.hpp>

#include "candor/govern.h"
#include "common/sqlite.h"
#include "govern/secret_hash.h"

namespace candor {

using sqlite::Stmt;

namespace {

constexpr const char* kAuthCols =
    "id, basis, reference, authority, case_id, purpose, galleries, expires_ms, max_searches, "
    "searches_used, status, created_by, created_ms, approved_by, approved_ms, backed_by, "
    "backed_ms, users";

StatusOr<AuthorizationStatus> ParseStatus(const std::string& s) {
  for (auto st : {AuthorizationStatus::kPending, AuthorizationStatus::kActive,
                  AuthorizationStatus::kRevoked, AuthorizationStatus::kLapsed}) {
    if (AuthorizationStatusName(st) == s) return st;
  }
  return DataLossError("unknown authorization status '" + s + "'");
}

StatusOr<Authorization> AuthFromRow(const Stmt& s) {
  Authorization a;
  a.id = s.Text(0);
  CANDOR_ASSIGN_OR_RETURN(a.spec.basis, ParseBasis(s.Text(1)));
  a.spec.reference = s.Text(2);
  a.spec.issuing_authority = s.Text(3);
  a.spec.case_id = s.Text(4);
  a.spec.purpose = s.Text(5);
  nlohmann::json g = nlohmann::json::parse(s.Text(6), nullptr, false);
  if (!g.is_array()) return DataLossError("authorization " + a.id + " has corrupt galleries");
  for (const auto& x : g) {
    if (x.is_string()) a.spec.galleries.push_back(x.get<std::string>());
  }
  a.spec.expires_ms = s.Int(7);
  a.spec.max_searches = s.Int(8);
  a.searches_used = s.Int(9);
  CANDOR_ASSIGN_OR_RETURN(a.status, ParseStatus(s.Text(10)));
  a.created_by = s.Text(11);
  a.created_ms = s.Int(12);
  a.approved_by = s.Text(13);
  a.approved_ms = s.Int(14);
  a.backed_by = s.Text(15);
  a.backed_ms = s.Int(16);
  nlohmann::json u = nlohmann::json::parse(s.Text(17), nullptr, false);
  if (!u.is_array()) return DataLossError("authorization " + a.id + " has corrupt users");
  for (const auto& x : u) {
    if (x.is_string()) a.spec.users.push_back(x.get<std::string>());
  }
  return a;
}

Status ValidateSpec(const AuthorizationSpec& spec, int64_t now) {
  auto bad = [](const std::string& m) { return InvalidArgumentError("authorization: " + m); };
  auto len_ok = [](const std::string& s) { return !s.empty() && s.size() <= 256; };
  if (!len_ok(spec.reference)) return bad("reference number is required (1-256 characters)");
  if (!len_ok(spec.issuing_authority)) return bad("issuing authority is required");
  if (!len_ok(spec.case_id)) return bad("case id is required");
  if (!len_ok(spec.purpose)) return bad("offence or purpose is required");
  if (spec.galleries.empty() || spec.galleries.size() > 64) return bad("1-64 galleries in scope");
  for (const auto& g : spec.galleries) {
    if (!len_ok(g)) return bad("gallery names must be 1-256 characters");
  }
  if (spec.expires_ms <= now) return bad("expiry must be in the future");
  if (spec.max_searches < 1 || spec.max_searches > 100000)
    return bad("max searches must be 1-100000");
  if (spec.users.size() > 16) return bad("at most 16 further users may be named");
  return OkStatus();
}

AuditEntry AuthEntry(const Principal& who, const char* action, const std::string& id,
                     std::string reason) {
  AuditEntry e;
  e.actor = who.username;
  e.role = std::string(RoleName(who.role));
  e.action = action;
  e.authorization_id = id;
  e.decision = "allow";
  e.outcome = "ok";
  e.reason = std::move(reason);
  return e;
}

}  // namespace

StatusOr<Authorization> Governance::LoadAuthorization(const std::string& id) {
  CANDOR_ASSIGN_OR_RETURN(auto s, Stmt::Prepare(*db_, std::string("SELECT ") + kAuthCols +
                                                          " FROM authorizations WHERE id=?"));
  s.Bind(1, id);
  CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFoundError("authorization '" + id + "' not found");
  return AuthFromRow(s);
}

StatusOr<Authorization> Governance::CreateAuthorization(const Principal& actor,
                                                        const AuthorizationSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(
      RequireRole(who, {Role::kInvestigator, Role::kSupervisor}, "authorization.create"));
  const int64_t now = options_.clock();
  if (Status v = ValidateSpec(spec, now); !v.ok()) {
    return Refuse(&who, "authorization.create", v);
  }
  // Every gallery named must exist for governance (have a search policy),
  // and every further user must be an account that may search.
  for (const std::string& g : spec.galleries) {
    CANDOR_ASSIGN_OR_RETURN(auto policy, LoadGallery(g));
    if (!policy) {
      return Refuse(&who, "authorization.create",
                    InvalidArgumentError("authorization: gallery '" + g.substr(0, 64) +
                                         "' does not exist (no gallery of that name has a "
                                         "search policy)"));
    }
  }
  const bool duplicate_checks = spec.purpose == kDuplicateCheckPurpose;
  for (const std::string& u : spec.users) {
    auto p = LoadPrincipal(u);
    const bool fits = p.ok() && (duplicate_checks
                                     ? p->role == Role::kEnroller || p->role == Role::kAdmin
                                     : p->role == Role::kInvestigator ||
                                           p->role == Role::kSupervisor);
    if (!fits) {
      return Refuse(&who, "authorization.create",
                    InvalidArgumentError(
                        "authorization: user '" + u.substr(0, 64) + "' is not " +
                        (duplicate_checks ? "an enroller or admin account (who may run duplicate "
                                            "checks)"
                                          : "an investigator or supervisor account")));
    }
  }
  const bool exigent = spec.basis == LegalBasis::kExigent;
  if (exigent && who.role != Role::kSupervisor) {
    return Refuse(
        &who, "authorization.create",
        PermissionDeniedError("exigent authorizations may be declared by a supervisor only"));
  }
  Authorization a;
  a.id = "auth-" + govern_internal::RandomHex(8);
  a.spec = spec;
  a.created_by = who.username;
  a.created_ms = now;
  if (exigent) {  // an emergency: active at once, must be backed within the window
    a.status = AuthorizationStatus::kActive;
    a.approved_by = who.username;
    a.approved_ms = now;
  }
  nlohmann::json galleries = spec.galleries;
  nlohmann::json users = spec.users;
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_,
                            "INSERT INTO authorizations(id, basis, reference, authority, "
                            "case_id, purpose, galleries, expires_ms, max_searches, "
                            "status, created_by, created_ms, approved_by, approved_ms, users) "
                            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  s.Bind(1, a.id)
      .Bind(2, BasisName(spec.basis))
      .Bind(3, spec.reference)
      .Bind(4, spec.issuing_authority)
      .Bind(5, spec.case_id)
      .Bind(6, spec.purpose)
      .Bind(7, galleries.dump())
      .Bind(8, spec.expires_ms)
      .Bind(9, spec.max_searches)
      .Bind(10, AuthorizationStatusName(a.status))
      .Bind(11, a.created_by)
      .Bind(12, now)
      .Bind(13, a.approved_by)
      .Bind(14, a.approved_ms)
      .Bind(15, users.dump());
  CANDOR_RETURN_IF_ERROR(s.Run());
  CANDOR_RETURN_IF_ERROR(
      AuditOrFail(AuthEntry(who, "authorization.create", a.id,
                            std::string(BasisName(spec.basis)) + " " + spec.reference + " by " +
                                spec.issuing_authority + ", case " + spec.case_id + ", galleries " +
                                galleries.dump() + ", max " + std::to_string(spec.max_searches) +
                                (spec.users.empty() ? "" : ", also usable by " + users.dump()) +
                                (exigent ? " (exigent: active, must be backed)" : ""))));
  return a;
}

Status Governance::ApproveAuthorization(const Principal& actor, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kSupervisor}, "authorization.approve"));
  auto a = LoadAuthorization(id);
  if (!a.ok()) return Refuse(&who, "authorization.approve", a.status());
  if (a->created_by == who.username) {
    return Refuse(
        &who, "authorization.approve",
        PermissionDeniedError("a supervisor may not approve an authorization they created"));
  }
  if (a->status != AuthorizationStatus::kPending) {
    return Refuse(
        &who, "authorization.approve",
        FailedPreconditionError("authorization '" + id + "' is " +
                                std::string(AuthorizationStatusName(a->status)) + ", not pending"));
  }
  if (options_.clock() >= a->spec.expires_ms) {
    return Refuse(&who, "authorization.approve",
                  FailedPreconditionError("authorization '" + id +
                                          "' has expired; an expired authorization cannot be "
                                          "approved"));
  }
  if (options_.clock() >= who.training_expires_ms) {
    return Refuse(
        &who, "authorization.approve",
        PermissionDeniedError("training/certification of '" + who.username + "' expired"));
  }
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_,
                                        "UPDATE authorizations SET status='active', approved_by=?, "
                                        "approved_ms=? WHERE id=? AND status='pending'"));
  s.Bind(1, who.username).Bind(2, options_.clock()).Bind(3, id);
  CANDOR_RETURN_IF_ERROR(s.Run());
  return AuditOrFail(AuthEntry(who, "authorization.approve", id, "approved"));
}

Status Governance::RevokeAuthorization(const Principal& actor, const std::string& id,
                                       const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(
      RequireRole(who, {Role::kSupervisor, Role::kAdmin}, "authorization.revoke"));
  auto a = LoadAuthorization(id);
  if (!a.ok()) return Refuse(&who, "authorization.revoke", a.status());
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_, "UPDATE authorizations SET status='revoked' WHERE id=?"));
  s.Bind(1, id);
  CANDOR_RETURN_IF_ERROR(s.Run());
  return AuditOrFail(AuthEntry(who, "authorization.revoke", id, why));
}

Status Governance::BackExigent(const Principal& actor, const std::string& exigent_id,
                               const std::string& judicial_id) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kSupervisor}, "authorization.back_exigent"));
  auto ex = LoadAuthorization(exigent_id);
  if (!ex.ok()) return Refuse(&who, "authorization.back_exigent", ex.status());
  auto jd = LoadAuthorization(judicial_id);
  if (!jd.ok()) return Refuse(&who, "authorization.back_exigent", jd.status());
  const int64_t now = options_.clock();
  auto refuse = [&](std::string m) {
    return Refuse(&who, "authorization.back_exigent", FailedPreconditionError(std::move(m)),
                  exigent_id + " <- " + judicial_id);
  };
  if (ex->spec.basis != LegalBasis::kExigent) return refuse("'" + exigent_id + "' is not exigent");
  if (!ex->backed_by.empty()) return refuse("'" + exigent_id + "' is already backed");
  if (ex->status != AuthorizationStatus::kActive) {
    return refuse("'" + exigent_id + "' is " + std::string(AuthorizationStatusName(ex->status)) +
                  "; its searches were purged");
  }
  if (now >= ex->created_ms + options_.policy.exigent_window_ms) {
    return refuse("the exigent window for '" + exigent_id + "' has closed");
  }
  if (!IsJudicial(jd->spec.basis))
    return refuse("'" + judicial_id + "' is not a warrant or court order");
  if (jd->status != AuthorizationStatus::kActive)
    return refuse("'" + judicial_id + "' is not active");
  if (now >= jd->spec.expires_ms) {
    return refuse("'" + judicial_id + "' has expired; an expired warrant or order cannot back an "
                  "exigent authorization");
  }
  if (jd->spec.case_id != ex->spec.case_id)
    return refuse("the authorizations concern different cases");
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_, "UPDATE authorizations SET backed_by=?, backed_ms=? WHERE id=?"));
  s.Bind(1, judicial_id).Bind(2, now).Bind(3, exigent_id);
  CANDOR_RETURN_IF_ERROR(s.Run());
  return AuditOrFail(
      AuthEntry(who, "authorization.back_exigent", exigent_id, "backed by " + judicial_id));
}

StatusOr<Authorization> Governance::GetAuthorization(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return LoadAuthorization(id);
}

StatusOr<std::vector<Authorization>> Governance::ListAuthorizations(const Principal& actor) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(
      RequireRole(who, {Role::kSupervisor, Role::kAdmin, Role::kAuditor, Role::kInvestigator},
                  "authorization.list"));
  CANDOR_ASSIGN_OR_RETURN(auto s,
                          Stmt::Prepare(*db_, std::string("SELECT ") + kAuthCols +
                                                  " FROM authorizations ORDER BY created_ms, id"));
  std::vector<Authorization> out;
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    CANDOR_ASSIGN_OR_RETURN(Authorization a, AuthFromRow(s));
    out.push_back(std::move(a));
  }
  return out;
}

Status Governance::SetCaseOpen(const Principal& actor, const std::string& case_id, bool open) {
  std::lock_guard<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(Principal who, LoadPrincipal(actor.username));
  CANDOR_RETURN_IF_ERROR(RequireRole(who, {Role::kSupervisor, Role::kAdmin}, "case.update"));
  if (case_id.empty()) return InvalidArgumentError("case id is required");
  CANDOR_ASSIGN_OR_RETURN(
      auto s, Stmt::Prepare(*db_,
                            "INSERT INTO cases(case_id, open, updated_ms) VALUES(?,?,?) "
                            "ON CONFLICT(case_id) DO UPDATE SET open=excluded.open, "
                            "updated_ms=excluded.updated_ms"));
  s.Bind(1, case_id).Bind(2, open ? 1 : 0).Bind(3, options_.clock());
  CANDOR_RETURN_IF_ERROR(s.Run());
  AuditEntry e = AuthEntry(who, open ? "case.open" : "case.close", "", "case " + case_id);
  return AuditOrFail(e);
}

}  // namespace candor
