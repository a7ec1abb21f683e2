// Copyright 2026 The Candor Authors.
//
// Authorizations (create, approve, revoke, back an exigent one) and case holds.

#include "server/service_internal.h"

namespace candor::server {

namespace {
// Deadlines from the exigent window governance enforces (GovernanceOptions).
json AuthJson(Ctx& c, const Authorization& a) {
  return AuthorizationJson(a, c.svc.Now(), ServiceRoutes::Gov(c).policy().exigent_window_ms,
                           c.who->username);
}

ApiResponse AuthorizationResponse(Ctx& c, int status, const std::string& id) {
  auto a = ServiceRoutes::Gov(c).GetAuthorization(id);
  if (!a.ok()) return ErrorResponse(a.status());
  return JsonResponse(status, AuthJson(c, *a));
}

// Investigators see only those they may use (their own and those naming
// them); supervisors, admins and auditors all.
Status CanSee(const Ctx& c, const Authorization& a) {
  if (c.who->role == Role::kSupervisor || c.who->role == Role::kAdmin ||
      c.who->role == Role::kAuditor) {
    return OkStatus();
  }
  if (c.who->role == Role::kInvestigator && MayUse(a, c.who->username)) return OkStatus();
  return PermissionDeniedError("authorization '" + a.id + "' is not visible to '" +
                               c.who->username + "'");
}
}  // namespace

ApiResponse HandleListAuthorizations(Ctx& c) {
  auto v = ServiceRoutes::Gov(c).ListAuthorizations(*c.who);
  if (!v.ok()) return ErrorResponse(v.status());
  json arr = json::array();
  for (const auto& a : *v) {
    if (CanSee(c, a).ok()) {
      arr.push_back(AuthJson(c, a));
    }
  }
  return JsonResponse(200, {{"authorizations", arr}});
}

ApiResponse HandleCreateAuthorization(Ctx& c) {
  const char* action = "authorization.create";
  auto body = ParseStrict(c.req.body, {{"basis", JType::kString, true},
                                       {"reference", JType::kString, true},
                                       {"issuing_authority", JType::kString, true},
                                       {"case_id", JType::kString, true},
                                       {"purpose", JType::kString, true},
                                       {"galleries", JType::kStringArray, true},
                                       {"expires_at", JType::kString, true},
                                       {"max_searches", JType::kInt, true},
                                       {"users", JType::kStringArray, false}});
  if (!body.ok()) return Refuse(c, action, body.status());
  AuthorizationSpec spec;
  auto basis = ParseBasis((*body)["basis"].get<std::string>());
  if (!basis.ok()) return Refuse(c, action, basis.status());
  auto expires = ParseIsoTime((*body)["expires_at"]);
  if (!expires.ok()) return Refuse(c, action, expires.status());
  spec.basis = *basis;
  spec.reference = (*body)["reference"];
  spec.issuing_authority = (*body)["issuing_authority"];
  spec.case_id = (*body)["case_id"];
  spec.purpose = (*body)["purpose"];
  spec.galleries = (*body)["galleries"].get<std::vector<std::string>>();
  spec.expires_ms = *expires;
  spec.max_searches = (*body)["max_searches"].get<int64_t>();
  if (body->contains("users")) spec.users = (*body)["users"].get<std::vector<std::string>>();
  // Governance refuses galleries it has no policy for; the store must hold them too.
  for (const std::string& g : spec.galleries) {
    if (auto info = ServiceRoutes::GalleryStore(c).GetGallery(g); !info.ok()) {
      return Refuse(c, action,
                    info.status().code() == Code::kNotFound
                        ? InvalidArgumentError("authorization: gallery '" + g.substr(0, 64) +
                                               "' does not exist")
                        : info.status());
    }
  }
  auto a = ServiceRoutes::Gov(c).CreateAuthorization(*c.who, spec);
  if (!a.ok()) return ErrorResponse(a.status());
  return JsonResponse(201, AuthJson(c, *a));
}

ApiResponse HandleGetAuthorization(Ctx& c) {
  auto a = ServiceRoutes::Gov(c).GetAuthorization(c.params[0]);
  if (!a.ok()) return Refuse(c, "authorization.view", a.status());
  if (Status s = CanSee(c, *a); !s.ok()) return Refuse(c, "authorization.view", s);
  return JsonResponse(200, AuthJson(c, *a));
}

ApiResponse HandleApproveAuthorization(Ctx& c) {
  if (!c.req.body.empty() && c.req.body.find_first_not_of(" \t\r\n{}") != std::string::npos) {
    return Refuse(c, "authorization.approve", InvalidArgumentError("this route takes no body"));
  }
  Status s = ServiceRoutes::Gov(c).ApproveAuthorization(*c.who, c.params[0]);
  if (!s.ok()) return ErrorResponse(s);
  return AuthorizationResponse(c, 200, c.params[0]);
}

ApiResponse HandleRevokeAuthorization(Ctx& c) {
  auto body = ParseStrict(c.req.body, {{"reason", JType::kString, true}});
  if (!body.ok()) return Refuse(c, "authorization.revoke", body.status());
  Status s = ServiceRoutes::Gov(c).RevokeAuthorization(*c.who, c.params[0], (*body)["reason"]);
  if (!s.ok()) return ErrorResponse(s);
  return AuthorizationResponse(c, 200, c.params[0]);
}

ApiResponse HandleBackAuthorization(Ctx& c) {
  auto body = ParseStrict(c.req.body, {{"judicial_authorization_id", JType::kString, true}});
  if (!body.ok()) return Refuse(c, "authorization.back", body.status());
  Status s =
      ServiceRoutes::Gov(c).BackExigent(*c.who, c.params[0], (*body)["judicial_authorization_id"]);
  if (!s.ok()) return ErrorResponse(s);
  return AuthorizationResponse(c, 200, c.params[0]);
}

ApiResponse HandleSetCase(Ctx& c) {
  auto body = ParseStrict(c.req.body, {{"open", JType::kBool, true}});
  if (!body.ok()) return Refuse(c, "case.set", body.status());
  const bool open = (*body)["open"];
  Status s = ServiceRoutes::Gov(c).SetCaseOpen(*c.who, c.params[0], open);
  if (!s.ok()) return ErrorResponse(s);
  return JsonResponse(200, {{"case_id", c.params[0]}, {"open", open}});
}

}  // namespace candor::server
