// Copyright 2026 The Candor Authors.
//
// Sessions, accounts, galleries and enrollment.

#include "candor/face_choice.h"
#include "candor/pipeline.h"
#include "common/hash.h"
#include "server/auth_throttle.h"
#include "server/service_internal.h"

namespace candor::server {

namespace {
std::string Token(const Ctx& c) { return c.req.headers.at("authorization").substr(7); }

void AuditOk(Ctx& c, const std::string& action, const std::string& gallery,
             const std::string& detail) {
  if (Status s = AuditAllowed(c, action, detail, gallery); !s.ok()) {
    throw std::runtime_error("audit append failed: " + s.message());
  }
}

// A gallery with how long governance keeps its searches' probes and results.
json GalleryWithPolicy(Ctx& c, const GalleryInfo& g) {
  json j = GalleryJson(g);
  if (auto p = ServiceRoutes::Gov(c).GetGalleryPolicy(g.name); p.ok()) {
    j["search_retention"] = p->retention_class;
  }
  return j;
}

// A gallery change the store turned down: what the caller caused (a bad
// value, an unknown gallery, a state that forbids it, something the store
// cannot do) is refused and audited with its reason; anything else is the
// server's own error.
ApiResponse RefuseOrFail(Ctx& c, const char* action, const Status& s) {
  if (s.code() == Code::kInvalidArgument || s.code() == Code::kNotFound ||
      s.code() == Code::kFailedPrecondition || s.code() == Code::kUnimplemented) {
    return Refuse(c, action, s);
  }
  return ErrorResponse(s);
}

}  // namespace

ApiResponse HandleSignIn(Ctx& c) {
  auto body = ParseStrict(c.req.body,
                          {{"username", JType::kString, true}, {"password", JType::kString, true}});
  if (!body.ok()) return Refuse(c, "auth.signin", body.status());
  Governance& gov = ServiceRoutes::Gov(c);
  AuthThrottle& throttle = ServiceRoutes::Throttle(c);
  const std::string username = (*body)["username"];
  const int64_t now = c.svc.Now();
  // Counted against the budget while the password is checked, so sign-ins
  // sent at once cannot all pass before the first fails; a failure keeps its
  // token spent (auth_throttle.h).
  AuthThrottle::Attempt attempt = throttle.Begin(c.req.remote_addr, username, now);
  if (attempt.wait_ms() > 0) return Throttled(attempt.wait_ms());  // counted for the audit
  auto s = gov.SignIn(username, (*body)["password"]);
  if (!s.ok()) {
    if (s.status().code() == Code::kUnauthenticated) attempt.Failed();
    return ErrorResponse(s.status());  // audited by governance
  }
  auto a = gov.GetAccount((*body)["username"]);
  if (!a.ok()) return ErrorResponse(a.status());
  return JsonResponse(
      201,
      {{"token", s->token}, {"expires_at", IsoTime(s->expires_ms)}, {"account", AccountJson(*a)}});
}

ApiResponse HandleSignOut(Ctx& c) {
  Status s = ServiceRoutes::Gov(c).SignOut(Token(c));
  if (!s.ok()) return ErrorResponse(s);
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

ApiResponse HandleWhoami(Ctx& c) {
  auto a = ServiceRoutes::Gov(c).GetAccount(c.who->username);
  if (!a.ok()) return ErrorResponse(a.status());
  return JsonResponse(200, AccountJson(*a));
}

ApiResponse HandleListAccounts(Ctx& c) {
  auto v = ServiceRoutes::Gov(c).ListAccounts(*c.who);
  if (!v.ok()) return ErrorResponse(v.status());
  json arr = json::array();
  for (const auto& a : *v) arr.push_back(AccountJson(a));
  return JsonResponse(200, {{"accounts", arr}});
}

ApiResponse HandleCreateAccount(Ctx& c) {
  auto body = ParseStrict(c.req.body, {{"username", JType::kString, true},
                                       {"role", JType::kString, true},
                                       {"password", JType::kString, false},
                                       {"training_expires_at", JType::kString, true}});
  if (!body.ok()) return Refuse(c, "account.create", body.status());
  auto role = ParseRole((*body)["role"].get<std::string>());
  if (!role.ok()) return Refuse(c, "account.create", role.status());
  auto expires = ParseIsoTime((*body)["training_expires_at"]);
  if (!expires.ok()) return Refuse(c, "account.create", expires.status());
  auto a = ServiceRoutes::Gov(c).CreateAccount(*c.who, (*body)["username"], *role,
                                               body->value("password", std::string()), *expires);
  if (!a.ok()) return ErrorResponse(a.status());
  return JsonResponse(201, AccountJson(*a));
}

ApiResponse HandleUpdateAccount(Ctx& c) {
  if (Status s = CheckRole(c, {Role::kAdmin}, "account.update"); !s.ok()) {
    return Refuse(c, "account.update", s);
  }
  auto body = ParseStrict(c.req.body, {{"training_expires_at", JType::kString, false},
                                       {"disabled", JType::kBool, false}});
  if (!body.ok()) return Refuse(c, "account.update", body.status());
  Governance& gov = ServiceRoutes::Gov(c);
  const std::string& user = c.params[0];
  if (body->contains("training_expires_at")) {
    auto expires = ParseIsoTime((*body)["training_expires_at"]);
    if (!expires.ok()) return Refuse(c, "account.update", expires.status());
    Status s = gov.SetTrainingExpiry(*c.who, user, *expires);
    if (!s.ok()) return ErrorResponse(s);
  }
  if (body->contains("disabled")) {
    Status s = gov.SetDisabled(*c.who, user, (*body)["disabled"].get<bool>());
    if (!s.ok()) return ErrorResponse(s);
  }
  auto a = gov.GetAccount(user);
  if (!a.ok()) return ErrorResponse(a.status());
  return JsonResponse(200, AccountJson(*a));
}

ApiResponse HandleCreateApiToken(Ctx& c) {
  if (!c.req.body.empty() && c.req.body.find_first_not_of(" \t\r\n{}") != std::string::npos) {
    return Refuse(c, "account.api_token", InvalidArgumentError("this route takes no body"));
  }
  auto t = ServiceRoutes::Gov(c).CreateApiToken(*c.who, c.params[0]);
  if (!t.ok()) return ErrorResponse(t.status());
  return JsonResponse(201, {{"token", t->token}, {"expires_at", IsoTime(t->expires_ms)}});
}

ApiResponse HandleChangePassword(Ctx& c) {
  const char* action = "account.password";
  auto body = ParseStrict(c.req.body, {{"current_password", JType::kString, true},
                                       {"new_password", JType::kString, true}});
  if (!body.ok()) return Refuse(c, action, body.status());
  if (c.params[0] != c.who->username) {
    return Refuse(c, action,
                  PermissionDeniedError("a password is changed only by its own account"));
  }
  // Governance checks the current password, audits, and revokes every token
  // of the account, the caller's own session included.
  Status s = ServiceRoutes::Gov(c).ChangePassword(c.who->username, (*body)["current_password"],
                                                  (*body)["new_password"]);
  if (!s.ok()) {
    // A wrong current password is a refused action, not a failed sign-in of
    // this request: 403, so the client keeps its (still valid) session.
    return ErrorResponse(s.code() == Code::kUnauthenticated
                             ? PermissionDeniedError("the current password is wrong")
                             : s);
  }
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

ApiResponse HandleListGalleries(Ctx& c) {
  auto v = ServiceRoutes::GalleryStore(c).ListGalleries();
  if (!v.ok()) return ErrorResponse(v.status());
  json arr = json::array();
  for (const auto& g : *v) arr.push_back(GalleryWithPolicy(c, g));
  return JsonResponse(200, {{"galleries", arr}});
}

ApiResponse HandleGetGallery(Ctx& c) {
  auto g = ServiceRoutes::GalleryStore(c).GetGallery(c.params[0]);
  if (!g.ok()) return ErrorResponse(g.status());
  return JsonResponse(200, GalleryWithPolicy(c, *g));
}

ApiResponse HandleCreateGallery(Ctx& c) {
  const char* action = "gallery.create";
  if (Status s = CheckRole(c, {Role::kAdmin}, action); !s.ok()) return Refuse(c, action, s);
  auto body = ParseStrict(c.req.body, {{"name", JType::kString, true},
                                       {"description", JType::kString, true},
                                       {"legal_basis", JType::kString, true},
                                       {"retention_class", JType::kString, true},
                                       {"allowed_search_bases", JType::kStringArray, true},
                                       {"modality", JType::kString, false},
                                       {"subject_score", JType::kString, false},
                                       {"search_retention", JType::kString, false}});
  if (!body.ok()) return Refuse(c, action, body.status());
  GalleryInfo info;
  info.name = (*body)["name"];
  info.description = (*body)["description"];
  info.legal_basis = (*body)["legal_basis"];
  info.retention_class = (*body)["retention_class"];
  info.allowed_search_bases = (*body)["allowed_search_bases"].get<std::vector<std::string>>();
  info.modality = body->value("modality", std::string(kFaceModality));
  // Absent: the modality's default for a new gallery (DefaultSubjectScore:
  // centroid for faces, max for fingers). Given, it must name a rule.
  info.subject_score = body->value("subject_score", std::string());
  if (body->contains("subject_score")) {
    if (Status s = ValidateSubjectScore(info.subject_score); !s.ok()) return Refuse(c, action, s);
  }
  // Two periods: `retention_class` (ISO-8601) is how long the gallery's own
  // records are held, kept by the store; `search_retention` is governance's
  // class for how long probes and results of searches in it are kept.
  GalleryPolicy policy;
  policy.name = info.name;
  policy.retention_class = body->value("search_retention", std::string("standard"));
  if (Status s = ServiceRoutes::Gov(c).CheckRetentionClass(policy.retention_class); !s.ok()) {
    return Refuse(c, action, s);
  }
  for (const auto& b : info.allowed_search_bases) {
    auto basis = ParseBasis(b);
    if (!basis.ok()) return Refuse(c, action, basis.status());
    policy.allowed_bases.push_back(*basis);
  }
  if (Status s = ValidateGalleryInfo(info); !s.ok()) return Refuse(c, action, s);
  Store& store = ServiceRoutes::GalleryStore(c);
  if (store.GetGallery(info.name).ok()) {
    return Refuse(c, action, AlreadyExistsError("gallery '" + info.name + "' exists"));
  }
  // Governance first: a gallery without a policy could never be searched.
  if (Status s = ServiceRoutes::Gov(c).SetGalleryPolicy(*c.who, policy); !s.ok()) {
    return ErrorResponse(s);
  }
  if (Status s = store.CreateGallery(info); !s.ok()) return ErrorResponse(s);
  // The audit entry names the rule a face gallery was created with, given or defaulted.
  AuditOk(c, action, info.name,
          info.modality == kFaceModality || body->contains("subject_score")
              ? "subject_score=" + WithDefaultSubjectScore(info).subject_score
              : "");
  auto g = store.GetGallery(info.name);
  if (!g.ok()) return ErrorResponse(g.status());
  return JsonResponse(201, GalleryWithPolicy(c, *g));
}

// PATCH /v1/galleries/{gallery}: a gallery's settings (today its
// subject_score rule), as `candor gallery set`; admin only, audited as
// "gallery.set" with the new setting (refusals too). A stored in-gallery
// calibration made under the old rule stops setting thresholds until the
// gallery is recalibrated (the threshold source says so).
ApiResponse HandleUpdateGallery(Ctx& c) {
  const char* action = "gallery.set";
  const std::string& gallery = c.params[0];
  if (Status s = CheckRole(c, {Role::kAdmin}, action); !s.ok()) return Refuse(c, action, s);
  auto body = ParseStrict(c.req.body, {{"subject_score", JType::kString, true}});
  if (!body.ok()) return Refuse(c, action, body.status());
  const std::string rule = (*body)["subject_score"];
  Store& store = ServiceRoutes::GalleryStore(c);
  if (Status s = store.SetSubjectScore(gallery, rule); !s.ok()) {
    return RefuseOrFail(c, action, s);
  }
  AuditOk(c, action, gallery, "subject_score=" + rule);
  auto g = store.GetGallery(gallery);
  if (!g.ok()) return ErrorResponse(g.status());
  return JsonResponse(200, GalleryWithPolicy(c, *g));
}

// POST /v1/galleries/{gallery}/retune: re-trains and re-tunes the gallery's
// compressed index in the background (Store::RetuneGallery), as `candor
// gallery retune` (which waits); admin only, audited as "gallery.retune"
// (refusals too). 202 with the gallery as it is; its index.recall shows the
// new setting once the retrain is done.
ApiResponse HandleRetuneGallery(Ctx& c) {
  const char* action = "gallery.retune";
  const std::string& gallery = c.params[0];
  if (Status s = CheckRole(c, {Role::kAdmin}, action); !s.ok()) return Refuse(c, action, s);
  if (!c.req.body.empty()) {
    return Refuse(c, action, InvalidArgumentError("POST /v1/galleries/{gallery}/retune takes no body"));
  }
  Store& store = ServiceRoutes::GalleryStore(c);
  if (Status s = store.RetuneGallery(gallery, /*wait=*/false); !s.ok()) {
    return RefuseOrFail(c, action, s);
  }
  AuditOk(c, action, gallery, "started");
  auto g = store.GetGallery(gallery);
  if (!g.ok()) return ErrorResponse(g.status());
  return JsonResponse(202, GalleryWithPolicy(c, *g));
}

ApiResponse HandleEnroll(Ctx& c) {
  const char* action = "gallery.enroll";
  const std::string& gallery = c.params[0];
  if (Status s = CheckRole(c, {Role::kEnroller, Role::kAdmin}, action); !s.ok()) {
    return Refuse(c, action, s);
  }
  auto body = ParseStrict(c.req.body, {{"subject_id", JType::kString, true},
                                       {"record_ref", JType::kString, false},
                                       {"capture_date", JType::kString, false},
                                       {"image", JType::kString, true},
                                       {"face", JType::kString, false},
                                       {"finger_position", JType::kInt, false},
                                       {"dpi", JType::kNumber, false},
                                       {"append", JType::kBool, false}});
  if (!body.ok()) return Refuse(c, action, body.status());
  // A photo with several faces only by an explicit, audited choice.
  auto choice = ParseFaceChoice(body->value("face", std::string()));
  if (!choice.ok()) return Refuse(c, action, choice.status());
  Store& store = ServiceRoutes::GalleryStore(c);
  auto g = store.GetGallery(gallery);
  if (!g.ok()) return Refuse(c, action, g.status());
  if (g->modality == kFingerModality) {
    ApiResponse refused;
    auto image = AdmitImage(c, *body, action, &refused);
    if (!image) return refused;
    return EnrollFinger(c, gallery, *body, *image);
  }
  if (body->contains("finger_position") || body->contains("dpi") || body->contains("append")) {
    return Refuse(c, action,
                  InvalidArgumentError("finger_position, dpi and append are for finger galleries"));
  }
  const Pipeline* pipe = ServiceRoutes::Pipe(c);
  if (pipe == nullptr) return ErrorResponse(UnavailableError("no face pipeline loaded"));
  ApiResponse refused;
  auto image = AdmitImage(c, *body, action, &refused);
  if (!image) return refused;
  auto bytes =
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(image->data()), image->size());
  auto mat = pipe->Decode(bytes);
  if (!mat.ok()) return Refuse(c, action, mat.status(), ImageHttpStatus(mat.status()));
  auto faces = pipe->Detect(*mat);
  if (!faces.ok()) return ErrorResponse(faces.status());
  auto pick = ChooseFace(*faces, mat->cols, mat->rows, *choice);
  if (!pick.ok()) {
    return Refuse(c, action, InvalidArgumentError("no usable face: " + pick.status().message()),
                  422);
  }
  const Face& chosen = (*faces)[*pick];
  auto tmpl = pipe->Embed(*mat, std::span<const Face>(&chosen, 1));
  if (!tmpl.ok()) return ErrorResponse(tmpl.status());
  EnrollRequest er;
  er.subject_id = (*body)["subject_id"];
  er.record_ref = body->value("record_ref", std::string());
  TemplateInput ti;
  ti.tmpl = std::move((*tmpl)[0]);
  ti.capture_date = body->value("capture_date", std::string());
  ti.quality = static_cast<float>(chosen.quality.score);
  ti.image_sha256 = Sha256(std::string_view(*image));
  // Kept (sealed with the subject's key) for examiners to compare candidates.
  if (image->size() <= kMaxStoredImageBytes) ti.image.assign(image->begin(), image->end());
  er.templates.push_back(std::move(ti));
  Status s = store.Enroll(gallery, std::span<const EnrollRequest>(&er, 1));
  if (!s.ok()) return Refuse(c, action, s);
  AuditOk(c, action, gallery,
          faces->size() == 1 ? std::string("1 subject enrolled")
                             : "1 subject enrolled from a photo with " +
                                   std::to_string(faces->size()) + " faces: the " +
                                   FaceChoiceName(*choice) + " face, chosen by the enroller");
  json out = {{"gallery", gallery},
              {"subject_id", er.subject_id},
              {"quality", QualityJson(chosen.quality)}};
  if (faces->size() > 1) {
    out["faces_in_photo"] = static_cast<int64_t>(faces->size());
    out["face"] = FaceChoiceName(*choice);
  }
  return JsonResponse(201, out);
}

ApiResponse HandleDeleteSubject(Ctx& c) {
  const char* action = "gallery.delete_subject";
  if (Status s = CheckRole(c, {Role::kAdmin}, action); !s.ok()) return Refuse(c, action, s);
  Status s = ServiceRoutes::GalleryStore(c).DeleteSubject(c.params[0], c.params[1]);
  if (!s.ok()) return Refuse(c, action, s);
  AuditOk(c, action, c.params[0], "subject crypto-shredded");
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace candor::server
