// Copyright 2026 The Candor Authors.
//
// Audit log pages and verification, transparency reports, metrics, health.

#include <algorithm>
#include <charconv>

#include "candor/transparency.h"
#include "server/metrics.h"
#include "server/service_internal.h"

namespace candor::server {

namespace {
StatusOr<int64_t> QueryInt(const Ctx& c, const std::string& name, int64_t def, int64_t lo,
                           int64_t hi) {
  auto it = c.req.query.find(name);
  if (it == c.req.query.end()) return def;
  int64_t v = 0;
  const std::string& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) {
    return InvalidArgumentError("query parameter '" + name + "' must be an integer in [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

Status UnknownQuery(const Ctx& c, std::initializer_list<const char*> known) {
  for (const auto& kv : c.req.query) {
    const std::string& k = kv.first;  // not a structured binding: clang 14 cannot capture one
    if (std::none_of(known.begin(), known.end(), [&](const char* n) { return k == n; })) {
      return InvalidArgumentError("unknown query parameter '" + k.substr(0, 64) + "'");
    }
  }
  return OkStatus();
}

void AuditRead(Ctx& c, const std::string& action, const std::string& detail) {
  if (Status s = AuditAllowed(c, action, detail); !s.ok()) {
    throw std::runtime_error("audit append failed: " + s.message());
  }
}
}  // namespace

ApiResponse HandleAudit(Ctx& c) {
  const char* action = "audit.read";
  if (Status s = CheckRole(c, {Role::kAuditor, Role::kAdmin}, action); !s.ok()) {
    return Refuse(c, action, s);
  }
  if (Status s = UnknownQuery(c, {"from_seq", "limit"}); !s.ok()) return Refuse(c, action, s);
  auto from = QueryInt(c, "from_seq", 1, 1, INT64_MAX);
  if (!from.ok()) return Refuse(c, action, from.status());
  auto limit = QueryInt(c, "limit", 100, 1, 1000);
  if (!limit.ok()) return Refuse(c, action, limit.status());
  AuditRead(c, action, "from_seq " + std::to_string(*from));
  auto entries = ServiceRoutes::Gov(c).ReadAuditLive();
  if (!entries.ok()) return ErrorResponse(entries.status());
  json arr = json::array();
  int64_t next = 0;
  for (const auto& e : *entries) {
    if (static_cast<int64_t>(e.seq) < *from) continue;
    if (static_cast<int64_t>(arr.size()) >= *limit) {
      next = static_cast<int64_t>(e.seq);
      break;
    }
    json j = {{"seq", e.seq},         {"time", IsoTime(e.time_ms)}, {"actor", e.actor},
              {"role", e.role},       {"action", e.action},         {"decision", e.decision},
              {"outcome", e.outcome}, {"reason", e.reason}};
    if (!e.authorization_id.empty()) j["authorization_id"] = e.authorization_id;
    if (!e.gallery.empty()) j["gallery"] = e.gallery;
    if (!e.probe_hash.empty()) j["probe_hash"] = e.probe_hash;
    if (e.candidates_returned >= 0) j["candidates_returned"] = e.candidates_returned;
    arr.push_back(std::move(j));
  }
  json page = {{"entries", arr}};
  if (next) page["next_seq"] = next;
  return JsonResponse(200, page);
}

ApiResponse HandleAuditVerify(Ctx& c) {
  const char* action = "audit.verify";
  if (Status s = CheckRole(c, {Role::kAuditor, Role::kAdmin}, action); !s.ok()) {
    return Refuse(c, action, s);
  }
  if (Status s = UnknownQuery(c, {}); !s.ok()) return Refuse(c, action, s);
  AuditRead(c, action, "");
  auto r = ServiceRoutes::Gov(c).VerifyAuditLive(ServiceRoutes::Options(c).audit_public_key);
  if (!r.ok()) return ErrorResponse(r.status());
  json j = {{"intact", r->ok}, {"entries", r->entries}, {"checkpoints", r->checkpoints}};
  if (r->break_seq) j["break_at_seq"] = r->break_seq;
  if (!r->problem.empty()) j["problem"] = r->problem;
  return JsonResponse(200, j);
}

ApiResponse HandleTransparency(Ctx& c) {
  const char* action = "report.transparency";
  if (Status s = UnknownQuery(c, {"from", "to", "format"}); !s.ok()) return Refuse(c, action, s);
  auto f = c.req.query.find("from"), t = c.req.query.find("to");
  if (f == c.req.query.end() || t == c.req.query.end()) {
    return Refuse(c, action, InvalidArgumentError("query parameters 'from' and 'to' are required"));
  }
  auto from = ParseIsoTime(f->second);
  if (!from.ok()) return Refuse(c, action, from.status());
  auto to = ParseIsoTime(t->second);
  if (!to.ok()) return Refuse(c, action, to.status());
  std::string format = "json";
  if (auto it = c.req.query.find("format"); it != c.req.query.end()) format = it->second;
  if (format != "json" && format != "html") {
    return Refuse(c, action, InvalidArgumentError("format must be json or html"));
  }
  auto r = ServiceRoutes::Gov(c).Transparency(*c.who, *from, *to);
  if (!r.ok()) return ErrorResponse(r.status());
  ApiResponse resp;
  resp.status = 200;
  if (format == "html") {
    resp.content_type = "text/html; charset=utf-8";
    resp.body = TransparencyToHtml(*r);
  } else {
    resp.body = TransparencyToJson(*r);
  }
  return resp;
}

ApiResponse HandleMetrics(Ctx& c) {
  const std::string& a = c.req.remote_addr;
  if (!(a.rfind("127.", 0) == 0 || a == "::1" || a.empty())) {
    // Off loopback: an auditor's or admin's token.
    auto h = c.req.headers.find("authorization");
    if (h == c.req.headers.end() || h->second.rfind("Bearer ", 0) != 0) {
      return Refuse(c, "metrics.read", UnauthenticatedError("credentials required off loopback"));
    }
    auto who = ServiceRoutes::Gov(c).Authenticate(h->second.substr(7));
    if (!who.ok()) return ErrorResponse(who.status());
    c.who = *who;
    if (Status s = CheckRole(c, {Role::kAuditor, Role::kAdmin}, "metrics.read"); !s.ok()) {
      return Refuse(c, "metrics.read", s);
    }
  }
  std::vector<std::tuple<std::string, int64_t, int64_t>> sizes;
  if (auto gs = ServiceRoutes::GalleryStore(c).ListGalleries(); gs.ok()) {
    for (const auto& g : *gs) sizes.emplace_back(g.name, g.subjects, g.templates);
  }
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = ServiceRoutes::MetricsOf(c).Render(sizes);
  return r;
}

ApiResponse HandleHealth(Ctx& c) {
  return JsonResponse(200, {{"status", "ok"}, {"version", CANDOR_VERSION}});
}

}  // namespace candor::server
