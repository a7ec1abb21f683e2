// Copyright 2026 The Candor Authors.
//
// Error responses, role checks and the JSON encoders of the API's schemas.

#include <algorithm>

#include "candor/face.h"
#include "server/service_internal.h"

namespace candor::server {

ApiResponse JsonResponse(int status, const json& body) {
  ApiResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

ApiResponse ErrorResponse(const Status& s, int http) {
  const Code code = s.ok() ? Code::kInternal : s.code();
  return JsonResponse(
      http ? http : HttpStatus(code),
      {{"error", {{"code", std::string(CodeName(code))}, {"message", s.message()}}}});
}

ApiResponse Throttled(int64_t wait_ms) {
  const int64_t secs = std::max<int64_t>(1, (wait_ms + 999) / 1000);
  ApiResponse r = ErrorResponse(
      ResourceExhaustedError("too many failed authentication attempts; retry in " +
                             std::to_string(secs) + " s"),
      429);
  r.headers.emplace_back("Retry-After", std::to_string(secs));
  return r;
}

Status AuditAllowed(Ctx& ctx, const std::string& action, const std::string& detail,
                    const std::string& gallery) {
  AuditEntry e;
  e.actor = ctx.who->username;
  e.role = std::string(RoleName(ctx.who->role));
  e.action = action;
  e.gallery = gallery;
  e.decision = "allow";
  e.outcome = "ok";
  e.reason = detail;
  return ServiceRoutes::Gov(ctx).Audit(std::move(e)).status();
}

ApiResponse Refuse(Ctx& ctx, const std::string& action, const Status& s, int http) {
  AuditEntry e;
  e.actor = ctx.who ? ctx.who->username : "-";
  e.role = ctx.who ? std::string(RoleName(ctx.who->role)) : "";
  e.action = action;
  e.decision = "deny";
  e.outcome = "refused";
  e.reason = "HTTP " + std::to_string(http ? http : HttpStatus(s.code())) + " " + ctx.route + ": " +
             s.message().substr(0, 300);
  auto seq = ServiceRoutes::Gov(ctx).Audit(std::move(e));
  (void)seq;  // the request is refused either way
  return ErrorResponse(s, http);
}

Status CheckRole(const Ctx& ctx, std::initializer_list<Role> roles, const char* action) {
  if (!ctx.who) return UnauthenticatedError("not signed in");
  for (Role r : roles) {
    if (ctx.who->role == r) return OkStatus();
  }
  std::string names;
  for (Role r : roles) names += (names.empty() ? "" : ", ") + std::string(RoleName(r));
  return PermissionDeniedError(std::string(action) + " needs role " + names + "; '" +
                               ctx.who->username + "' is " + std::string(RoleName(ctx.who->role)));
}

json AccountJson(const Account& a) {
  return {{"username", a.username},
          {"role", std::string(RoleName(a.role))},
          {"training_expires_at", IsoTime(a.training_expires_ms)},
          {"disabled", a.disabled},
          {"created_at", IsoTime(a.created_ms)}};
}

json AuthorizationJson(const Authorization& a, int64_t now_ms, int64_t exigent_window_ms,
                       const std::string& viewer) {
  json j = {{"id", a.id},
            {"basis", std::string(BasisName(a.spec.basis))},
            {"reference", a.spec.reference},
            {"issuing_authority", a.spec.issuing_authority},
            {"case_id", a.spec.case_id},
            {"purpose", a.spec.purpose},
            {"galleries", a.spec.galleries},
            {"expires_at", IsoTime(a.spec.expires_ms)},
            {"max_searches", a.spec.max_searches},
            {"searches_used", a.searches_used},
            {"status", std::string(AuthorizationStatusName(a.status))},
            {"created_by", a.created_by},
            {"created_at", IsoTime(a.created_ms)},
            {"users", a.spec.users}};
  if (!a.approved_by.empty()) {
    j["approved_by"] = a.approved_by;
    j["approved_at"] = IsoTime(a.approved_ms);
  }
  if (!a.backed_by.empty()) j["backed_by"] = a.backed_by;
  std::string why;
  if (!viewer.empty() && !MayUse(a, viewer)) {
    why = "usable only by " + a.created_by +
          (a.spec.users.empty() ? std::string() : " and the users it names");
  } else if (a.status != AuthorizationStatus::kActive) {
    why = "authorization is " + std::string(AuthorizationStatusName(a.status));
  } else if (now_ms >= a.spec.expires_ms) {
    why = "authorization expired";
  } else if (a.searches_used >= a.spec.max_searches) {
    why = "no searches left";
  }
  if (a.spec.basis == LegalBasis::kExigent && a.backed_by.empty()) {
    const int64_t deadline = a.created_ms + exigent_window_ms;
    j["exigent_deadline"] = IsoTime(deadline);
    if (why.empty() && now_ms >= deadline) why = "exigent window passed without judicial backing";
  }
  j["usable"] = why.empty();
  if (!why.empty()) j["unusable_reason"] = why;
  return j;
}

json GalleryJson(const GalleryInfo& g) {
  json j = {{"name", g.name},
            {"description", g.description},
            {"legal_basis", g.legal_basis},
            {"retention_class", g.retention_class},
            {"allowed_search_bases", g.allowed_search_bases},
            {"modality", g.modality},
            {"subjects", g.subjects},
            {"templates", g.templates},
            {"created_at", g.created_at}};
  if (!g.model_id.empty()) {
    j["model_id"] = g.model_id;
    j["dim"] = g.dim;
  }
  // How a subject with several templates is scored (faces only; candor/subject_score.h).
  if (g.modality != kFingerModality) j["subject_score"] = g.subject_score;
  // The index answering for it, and for the compressed index its measured
  // recall and setting (as `candor gallery show --json`).
  if (!g.index.empty()) {
    const RecallReport& r = g.index_recall;
    j["index"] = {{"description", g.index}, {"exact", r.exact}};
    if (!r.exact) {
      j["index"]["recall"] = {{"target", r.target},   {"measured", r.measured}, {"lower95", r.lower95},
                              {"probes", r.probes},   {"nprobe", r.nprobe},     {"nlist", r.nlist},
                              {"rerank", r.rerank},   {"measured_at", r.measured_at}};
    }
  }
  return j;
}

json ReviewJson(const Review& r) {
  return {{"reviewer", r.reviewer},
          {"reviewer_role", r.reviewer_role},
          {"subject_id", r.subject_ref},
          {"decision", r.decision == ReviewDecision::kConfirm ? "confirm" : "reject"},
          {"notes", r.notes},
          {"created_at", IsoTime(r.created_ms)}};
}

json LeadJson(const Lead& l) {
  json reviews = json::array();
  for (const auto& r : l.reviews) reviews.push_back(ReviewJson(r));
  return {{"search_id", l.search_id},
          {"confirmed_subject_ids", l.confirmed_subject_refs},
          {"reviews", reviews},
          {"label", l.label}};
}

json QualityJson(const FaceQuality& q) {
  return {{"score", q.score},           {"inter_eye_px", q.inter_eye_px},
          {"sharpness", q.sharpness},   {"yaw_deg", q.yaw_deg},
          {"pitch_deg", q.pitch_deg},   {"roll_deg", q.roll_deg},
          {"brightness", q.brightness}, {"contrast", q.contrast},
          {"clipped", q.clipped},       {"issues", q.issues}};
}

}  // namespace candor::server
