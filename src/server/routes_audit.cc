// Copyright 2026 The Candor Authors.
//
// Audit log pages and verification, transparency reports, metrics, health.

#include <algorithm>
#include <charconv>

#include "candor/transparency.h"
#include "search_desk/report_sources.h"
#include "server/auth_throttle.h"
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

namespace {
// A refusal: a policy "deny", or an entry recorded as refused.
bool Refused(const AuditEntry& e) { return e.decision == "deny" || e.outcome == "refused"; }

// The filters of GET /v1/audit: actor (exact), action (exact, or a prefix
// such as "search" for "search.*"), outcome ("refused", "allowed", or an exact
// outcome), and a time range [since, until).
struct AuditFilter {
  std::string actor, action, outcome;
  int64_t since_ms = INT64_MIN, until_ms = INT64_MAX;

  bool Matches(const AuditEntry& e) const {
    if (!actor.empty() && e.actor != actor) return false;
    if (!action.empty() && e.action != action && e.action.rfind(action + ".", 0) != 0) return false;
    if (outcome == "refused" && !Refused(e)) return false;
    if (outcome == "allowed" && Refused(e)) return false;
    if (!outcome.empty() && outcome != "refused" && outcome != "allowed" && e.outcome != outcome) {
      return false;
    }
    return e.time_ms >= since_ms && e.time_ms < until_ms;
  }
  std::string Describe() const {
    std::string d;
    const std::pair<const char*, const std::string*> fields[] = {
        {"actor", &actor}, {"action", &action}, {"outcome", &outcome}};
    for (const auto& [k, v] : fields) {
      if (!v->empty()) d += std::string(d.empty() ? "" : ", ") + k + " " + v->substr(0, 64);
    }
    if (since_ms != INT64_MIN) d += std::string(d.empty() ? "" : ", ") + "since " + IsoTime(since_ms);
    if (until_ms != INT64_MAX) d += std::string(d.empty() ? "" : ", ") + "until " + IsoTime(until_ms);
    return d;
  }
};

json AuditEntryJson(const AuditEntry& e) {
  json j = {{"seq", e.seq},         {"time", IsoTime(e.time_ms)}, {"actor", e.actor},
            {"role", e.role},       {"action", e.action},         {"decision", e.decision},
            {"outcome", e.outcome}, {"reason", e.reason}};
  if (!e.authorization_id.empty()) j["authorization_id"] = e.authorization_id;
  if (!e.gallery.empty()) j["gallery"] = e.gallery;
  if (!e.probe_hash.empty()) j["probe_hash"] = e.probe_hash;
  if (e.candidates_returned >= 0) j["candidates_returned"] = e.candidates_returned;
  return j;
}
}  // namespace

// One page of the audit log, oldest first (order=asc, the default: from_seq
// is the first sequence number) or newest first (order=desc: to_seq is the
// last), filtered; next_seq is the cursor of the next page in the same order,
// `total` the number of entries matching the filters.
// Reading the log is itself audited, once per query: the first page of a
// query (no cursor, or from_seq=1) writes one `audit.read` entry naming the
// filters; the following pages of the same query (a cursor) do not, so an
// auditor paging through the log does not flood it with their own visits.
ApiResponse HandleAudit(Ctx& c) {
  const char* action = "audit.read";
  if (Status s = CheckRole(c, {Role::kAuditor, Role::kAdmin}, action); !s.ok()) {
    return Refuse(c, action, s);
  }
  if (Status s = UnknownQuery(c, {"from_seq", "to_seq", "limit", "order", "actor", "action",
                                  "outcome", "since", "until"});
      !s.ok()) {
    return Refuse(c, action, s);
  }
  std::string order = "asc";
  if (auto it = c.req.query.find("order"); it != c.req.query.end()) order = it->second;
  if (order != "asc" && order != "desc") {
    return Refuse(c, action, InvalidArgumentError("order must be asc or desc"));
  }
  auto from = QueryInt(c, "from_seq", 1, 1, INT64_MAX);
  if (!from.ok()) return Refuse(c, action, from.status());
  auto to = QueryInt(c, "to_seq", INT64_MAX, 1, INT64_MAX);
  if (!to.ok()) return Refuse(c, action, to.status());
  auto limit = QueryInt(c, "limit", 100, 1, 1000);
  if (!limit.ok()) return Refuse(c, action, limit.status());
  AuditFilter f;
  const std::pair<const char*, std::string*> texts[] = {
      {"actor", &f.actor}, {"action", &f.action}, {"outcome", &f.outcome}};
  for (const auto& [name, field] : texts) {
    if (auto it = c.req.query.find(name); it != c.req.query.end()) *field = it->second;
  }
  const std::pair<const char*, int64_t*> times[] = {{"since", &f.since_ms},
                                                    {"until", &f.until_ms}};
  for (const auto& [name, field] : times) {
    if (auto it = c.req.query.find(name); it != c.req.query.end()) {
      auto t = ParseIsoTime(it->second);
      if (!t.ok()) return Refuse(c, action, t.status());
      *field = *t;
    }
  }
  const bool continuation =
      order == "asc" ? c.req.query.count("from_seq") && *from > 1 : c.req.query.count("to_seq") > 0;
  if (!continuation) {
    const std::string d = f.Describe();
    AuditRead(c, action, order == "desc" ? "newest first" + (d.empty() ? "" : ", " + d)
                                         : "from_seq " + std::to_string(*from) +
                                               (d.empty() ? "" : ", " + d));
  }
  auto entries = ServiceRoutes::Gov(c).ReadAuditLive();
  if (!entries.ok()) return ErrorResponse(entries.status());
  json arr = json::array();
  int64_t next = 0, total = 0;
  auto take = [&](const AuditEntry& e) {
    const auto seq = static_cast<int64_t>(e.seq);
    if (seq < *from || seq > *to || !f.Matches(e)) return;
    ++total;
    if (static_cast<int64_t>(arr.size()) < *limit) {
      arr.push_back(AuditEntryJson(e));
    } else if (next == 0) {
      next = seq;
    }
  };
  if (order == "asc") {
    for (const auto& e : *entries) take(e);
  } else {
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) take(*it);
  }
  json page = {{"entries", arr}, {"total", total}};
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
  // Where thresholds came from: from the sealed search records and the
  // galleries' calibrations (a report without them says nothing false).
  if (auto book = ServiceRoutes::Book(c); book.ok() && ServiceRoutes::Options(c).calibration) {
    if (Status s = AddThresholdSources(**book, ServiceRoutes::GalleryStore(c),
                                       *ServiceRoutes::Options(c).calibration, *r);
        !s.ok()) {
      return ErrorResponse(s);
    }
  }
  ApiResponse resp;
  resp.status = 200;
  if (format == "html") {
    resp.content_type = "text/html; charset=utf-8";
    resp.body = TransparencyToHtml(*r);
  } else {
    // Refused sign-ins are not searches: counted from the audit log, beside
    // the report's "refused" (refused searches).
    json j = json::parse(TransparencyToJson(*r));
    auto entries = ServiceRoutes::Gov(c).ReadAuditLive();
    if (!entries.ok()) return ErrorResponse(entries.status());
    int64_t signins_refused = 0;
    for (const auto& e : *entries) {
      if (e.action == "auth.signin" && Refused(e) && e.time_ms >= *from && e.time_ms < *to) {
        ++signins_refused;
      }
    }
    j["signins_refused"] = signins_refused;
    resp.body = j.dump();
  }
  return resp;
}

// Per-gallery gauges (gallery names and sizes) only to an auditor's or
// admin's token; without credentials, on loopback only, the aggregate
// counters (requests, latency, searches). docs/SERVICE.md, "Metrics".
ApiResponse HandleMetrics(Ctx& c) {
  const std::string& a = c.req.remote_addr;
  const bool loopback = a.rfind("127.", 0) == 0 || a == "::1" || a.empty();
  auto h = c.req.headers.find("authorization");
  bool galleries = false;
  if (h != c.req.headers.end()) {
    AuthThrottle& throttle = ServiceRoutes::Throttle(c);
    const int64_t now = c.svc.Now();
    AuthThrottle::Attempt attempt = throttle.Begin(a, "", now);
    if (attempt.wait_ms() > 0) return Throttled(attempt.wait_ms());
    if (h->second.rfind("Bearer ", 0) != 0) {
      attempt.Failed();
      return Refuse(c, "metrics.read",
                    UnauthenticatedError("malformed Authorization header: expected Bearer <token>"));
    }
    auto who = ServiceRoutes::Gov(c).Authenticate(h->second.substr(7));
    if (!who.ok()) {
      if (who.status().code() == Code::kUnauthenticated) attempt.Failed();
      return ErrorResponse(who.status());  // audited by governance
    }
    c.who = *who;
    if (Status s = CheckRole(c, {Role::kAuditor, Role::kAdmin}, "metrics.read"); !s.ok()) {
      return Refuse(c, "metrics.read", s);
    }
    galleries = true;
  } else if (!loopback) {
    return Refuse(c, "metrics.read", UnauthenticatedError("credentials required off loopback"));
  }
  std::vector<std::tuple<std::string, int64_t, int64_t>> sizes;
  if (galleries) {
    if (auto gs = ServiceRoutes::GalleryStore(c).ListGalleries(); gs.ok()) {
      for (const auto& g : *gs) sizes.emplace_back(g.name, g.subjects, g.templates);
    }
  }
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = ServiceRoutes::MetricsOf(c).Render(sizes, galleries);
  return r;
}

ApiResponse HandleHealth(Ctx& c) {
  return JsonResponse(200, {{"status", "ok"}, {"version", CANDOR_VERSION}});
}

}  // namespace candor::server
