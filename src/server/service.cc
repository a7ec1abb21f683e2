// Copyright 2026 The Candor Authors.
//
// Service: limits, authentication, rate limits, routing, the exception
// boundary, metrics and structured logs. The routes live in routes_*.cc.

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string_view>

#include "candor/pipeline.h"
#include "server/auth_throttle.h"
#include "server/metrics.h"
#include "server/probe_vault.h"
#include "server/rate_limiter.h"
#include "search_desk/search_book.h"
#include "search_desk/search_desk.h"
#include "server/service_internal.h"

namespace candor {

using server::json;

namespace {

using Handler = ApiResponse (*)(Service::Ctx&);

struct Route {
  const char* method;
  const char* pattern;
  Handler handler;
  bool authenticated;
  // The last path parameter takes the rest of the path, '/' included: subject
  // ids stored before ValidateSubjectId may hold '/', which a client sends
  // percent-encoded and the HTTP layer decodes before routing.
  bool tail = false;
};

const Route kRoutes[] = {
    {"GET", "/healthz", server::HandleHealth, false},
    {"GET", "/metrics", server::HandleMetrics, false},
    {"POST", "/v1/sessions", server::HandleSignIn, false},
    {"DELETE", "/v1/sessions", server::HandleSignOut, true},
    {"GET", "/v1/whoami", server::HandleWhoami, true},
    {"GET", "/v1/accounts", server::HandleListAccounts, true},
    {"POST", "/v1/accounts", server::HandleCreateAccount, true},
    {"PATCH", "/v1/accounts/{username}", server::HandleUpdateAccount, true},
    {"POST", "/v1/accounts/{username}/api-tokens", server::HandleCreateApiToken, true},
    {"POST", "/v1/accounts/{username}/password", server::HandleChangePassword, true},
    {"GET", "/v1/galleries", server::HandleListGalleries, true},
    {"POST", "/v1/galleries", server::HandleCreateGallery, true},
    {"GET", "/v1/galleries/{gallery}", server::HandleGetGallery, true},
    {"PATCH", "/v1/galleries/{gallery}", server::HandleUpdateGallery, true},
    {"POST", "/v1/galleries/{gallery}/retune", server::HandleRetuneGallery, true},
    {"POST", "/v1/galleries/{gallery}/subjects", server::HandleEnroll, true},
    {"POST", "/v1/galleries/{gallery}/calibration", server::HandleCalibrateGallery, true},
    {"DELETE", "/v1/galleries/{gallery}/subjects/{subject}", server::HandleDeleteSubject, true,
     true},
    {"GET", "/v1/authorizations", server::HandleListAuthorizations, true},
    {"POST", "/v1/authorizations", server::HandleCreateAuthorization, true},
    {"GET", "/v1/authorizations/{id}", server::HandleGetAuthorization, true},
    {"POST", "/v1/authorizations/{id}/approve", server::HandleApproveAuthorization, true},
    {"POST", "/v1/authorizations/{id}/revoke", server::HandleRevokeAuthorization, true},
    {"POST", "/v1/authorizations/{id}/back", server::HandleBackAuthorization, true},
    {"PUT", "/v1/cases/{case}", server::HandleSetCase, true},
    {"POST", "/v1/quality", server::HandleQuality, true},
    {"POST", "/v1/identify", server::HandleIdentify, true},
    {"POST", "/v1/verify", server::HandleVerify, true},
    {"GET", "/v1/searches", server::HandleListSearches, true},
    {"GET", "/v1/searches/{id}", server::HandleGetSearch, true},
    {"GET", "/v1/searches/{id}/probe", server::HandleGetProbe, true},
    {"GET", "/v1/searches/{id}/candidates/{rank}/image", server::HandleGetCandidateImage, true},
    {"GET", "/v1/searches/{id}/candidates/{rank}/minutiae", server::HandleGetCandidateMinutiae,
     true},
    {"POST", "/v1/searches/{id}/reviews", server::HandleReview, true},
    {"GET", "/v1/searches/{id}/lead", server::HandleGetLead, true},
    {"GET", "/v1/audit", server::HandleAudit, true},
    {"GET", "/v1/audit/verify", server::HandleAuditVerify, true},
    {"GET", "/v1/reports/transparency", server::HandleTransparency, true},
};

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// True if `path` matches `pattern`; fills path parameters. With `tail`, the
// last parameter is the rest of the path as sent (slashes kept).
bool Match(std::string_view pattern, std::string_view path, bool tail,
           std::vector<std::string>* params) {
  auto ps = Split(pattern), xs = Split(path);
  if (tail ? xs.size() < ps.size() : ps.size() != xs.size()) return false;
  std::vector<std::string> out;
  for (size_t i = 0; i < ps.size(); ++i) {
    const bool param = !ps[i].empty() && ps[i].front() == '{';
    if (param && tail && i + 1 == ps.size()) {
      // Everything after the '/' that ends the previous segment (segments
      // point into `path`), so leading, doubled and trailing '/' are kept.
      const size_t at =
          i == 0 ? 1 : static_cast<size_t>(xs[i - 1].data() + xs[i - 1].size() - path.data()) + 1;
      if (at >= path.size()) return false;
      out.emplace_back(path.substr(at));
    } else if (param) {
      if (xs[i].empty()) return false;
      out.emplace_back(xs[i]);
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  *params = std::move(out);
  return true;
}

int64_t SystemMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ApiResponse Dispatch(Service::Ctx& ctx, const Route& route, server::RateLimiter& limiter,
                     server::AuthThrottle& throttle) {
  const ApiRequest& req = ctx.req;
  const ServerOptions& opt = ServiceRoutes::Options(ctx);
  if (req.body.size() > opt.max_body_bytes) {
    return server::Refuse(ctx, "http.refused",
                          ResourceExhaustedError("request body exceeds " +
                                                 std::to_string(opt.max_body_bytes) + " bytes"),
                          413);
  }
  if (route.authenticated) {
    // The credential check counts against the failed-authentication budget
    // while it runs (auth_throttle.h); only a failure keeps it spent.
    server::AuthThrottle::Attempt attempt = throttle.Begin(req.remote_addr, "", opt.clock());
    if (attempt.wait_ms() > 0) return server::Throttled(attempt.wait_ms());
    auto it = req.headers.find("authorization");
    if (it == req.headers.end()) {
      attempt.Failed();
      return server::Refuse(
          ctx, "auth.token",
          UnauthenticatedError("missing credentials: send Authorization: Bearer <token>"));
    }
    std::string_view v = it->second;
    if (v.size() < 8 || v.substr(0, 7) != "Bearer ") {
      attempt.Failed();
      return server::Refuse(
          ctx, "auth.token",
          UnauthenticatedError("malformed Authorization header: expected Bearer <token>"));
    }
    auto who = ServiceRoutes::Gov(ctx).Authenticate(std::string(v.substr(7)));
    if (!who.ok()) {
      if (who.status().code() == Code::kUnauthenticated) attempt.Failed();
      return server::ErrorResponse(who.status());  // audited by governance
    }
    ctx.who = *who;
  }
  const std::string key = ctx.who ? "acct:" + ctx.who->username : "addr:" + req.remote_addr;
  if (!limiter.Allow(key, ServiceRoutes::Options(ctx).clock())) {
    ApiResponse r = server::Refuse(ctx, "http.rate_limited",
                                   ResourceExhaustedError("rate limit exceeded; retry later"), 429);
    const int per_minute = std::max(1, opt.rate_limit_per_minute);
    r.headers.emplace_back("Retry-After", std::to_string(std::max(1, 60 / per_minute)));
    return r;
  }
  return route.handler(ctx);
}

}  // namespace

Service::Service(Governance* governance, Store* store, const Pipeline* pipeline,
                 ServerOptions options)
    : gov_(governance), store_(store), pipeline_(pipeline), options_(std::move(options)) {
  if (!options_.clock) options_.clock = SystemMs;
  metrics_ = std::make_unique<server::Metrics>();
  limiter_ =
      std::make_unique<server::RateLimiter>(options_.rate_limit_per_minute, options_.rate_burst);
  auth_throttle_ = std::make_unique<server::AuthThrottle>(options_.auth_failures_per_minute,
                                                          options_.auth_failure_burst);
  image_budget_ = std::make_unique<server::RateLimiter>(options_.image_megapixels_per_minute,
                                                        options_.image_megapixels_per_minute);
  vault_ = std::make_unique<server::ProbeVault>(options_.probe_dir, options_.probe_key);
  auto book = SearchBook::Open(options_.search_book, options_.probe_key);
  if (book.ok()) {
    book_ = std::move(book).value();
  } else {
    book_status_ = book.status();
    spdlog::error(R"({{"event":"search_book_unavailable","path":{},"message":{}}})",
                  json(options_.search_book.string()).dump(),
                  json(book.status().message()).dump());
  }
  SearchDeskOptions desk;
  desk.clock = options_.clock;
  desk_ = std::make_unique<SearchDesk>(*gov_, *store_, options_.calibration, book_.get(), desk);
}

Service::~Service() { AuditThrottled(/*flush=*/true); }

void Service::AuditThrottled(bool flush) {
  const int64_t now = Now();
  if (!flush && !auth_throttle_->AnyDue(now)) return;
  for (AuditEntry& e : auth_throttle_->Due(now, flush)) {
    auto seq = gov_->Audit(std::move(e));
    if (!seq.ok()) {
      spdlog::error(R"({{"event":"audit_failed","action":"auth.throttled","message":{}}})",
                    json(seq.status().message()).dump());
    }
  }
}

int64_t Service::Now() const { return options_.clock(); }

Status Service::DeleteProbe(const std::string& search_id) {
  CANDOR_RETURN_IF_ERROR(vault_->Delete(search_id));
  if (!book_) return book_status_;  // retried at the next purge
  return book_->Purge(search_id);
}

StatusOr<PurgeSummary> Service::RunPurge() {
  AuditThrottled(/*flush=*/false);
  return gov_->Purge(Now());
}

ApiResponse Service::Handle(const ApiRequest& req) noexcept {
  const auto t0 = std::chrono::steady_clock::now();
  ApiResponse resp;
  std::string route = "unmatched";
  std::string actor = "-";
  try {
    Ctx ctx{req, *this, {}, {}, {}, {}};
    const Route* found = nullptr;
    bool path_known = false;
    for (const Route& r : kRoutes) {
      std::vector<std::string> params;
      if (Match(r.pattern, req.path, r.tail, &params)) {
        path_known = true;
        if (req.method == r.method) {
          found = &r;
          ctx.params = std::move(params);
          ctx.route = r.pattern;
          break;
        }
      }
    }
    if (found == nullptr) {
      resp = path_known
                 ? server::ErrorResponse(InvalidArgumentError("method " + req.method.substr(0, 16) +
                                                              " is not allowed on this route"),
                                         405)
                 : server::ErrorResponse(NotFoundError("no such route"));
    } else {
      route = ctx.route;
      AuditThrottled(/*flush=*/false);
      resp = Dispatch(ctx, *found, *limiter_, *auth_throttle_);
      if (ctx.who) actor = ctx.who->username;
      if (!ctx.search_outcome.empty()) {
        metrics_->CountSearch(route == "/v1/verify" ? "verify" : "identify", ctx.search_outcome);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error(R"({{"event":"exception","route":"{}","what":{}}})", route,
                  json(std::string(e.what())).dump());
    resp = server::ErrorResponse(InternalError("internal error"));
  } catch (...) {
    resp = server::ErrorResponse(InternalError("internal error"));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    metrics_->ObserveRequest(req.method.size() <= 8 ? req.method : "OTHER", route, resp.status,
                             secs);
    // Structured log: route template only (no ids, tokens or biometric data).
    spdlog::info(
        R"({{"event":"request","method":{},"route":"{}","status":{},"ms":{:.2f},"actor":{}}})",
        json(req.method.substr(0, 8)).dump(-1, ' ', false, json::error_handler_t::replace), route,
        resp.status, secs * 1000, json(actor).dump(-1, ' ', false, json::error_handler_t::replace));
  } catch (...) {
  }
  return resp;
}

}  // namespace candor
