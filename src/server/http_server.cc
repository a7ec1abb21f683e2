// Copyright 2026 The Candor Authors.
//
// HttpServer: cpp-httplib in front of a Service (HTTPS via OpenSSL, or plain
// HTTP on loopback only), and the periodic retention purge.

#include <httplib.h>
#include <sys/socket.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <thread>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "candor/server.h"
#include "server/connection_guard.h"
#include "server/web_static.h"

namespace candor {

void LogToStderr() {
  auto logger = std::make_shared<spdlog::logger>(
      "candor", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::default_logger()->level());
  spdlog::set_default_logger(std::move(logger));
}

void UseJsonLogs() {
  spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%v})",
                      spdlog::pattern_time_type::utc);
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

struct HttpServer::Impl {
  std::unique_ptr<httplib::Server> http;
  std::thread listener;
  std::thread purger;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
};

namespace {

// The headers every answer carries (API, web client and transport errors).
void SecurityHeaders(bool tls, httplib::Response& out) {
  out.set_header("Cache-Control", "no-store");
  out.set_header("X-Content-Type-Options", "nosniff");
  // HTTPS only: browsers must not fall back to plain HTTP for a year.
  if (tls) out.set_header("Strict-Transport-Security", "max-age=31536000");
}

// Serves connections through ServeConnection (per-address cap, total
// request deadlines) instead of httplib's own loop; `Base` is httplib::Server
// or httplib::SSLServer. httplib calls process_and_close_socket on one of
// `limits.workers` pool threads for each accepted socket.
// httplib listens with a backlog of 5 (compiled into Debian's library): a
// burst of connections overflows it and the kernel drops SYNs, which clients
// retry only after a second. A second listen() raises it.
struct ListenBacklog {
  virtual ~ListenBacklog() = default;
  virtual void RaiseBacklog(int n) = 0;
};

template <class Base>
class GuardedServer final : public Base, public ListenBacklog {
 public:
  template <class... Args>
  explicit GuardedServer(const server::TransportLimits& limits, Args&&... args)
      : Base(std::forward<Args>(args)...), limits_(limits), guard_(limits.max_connections_per_address) {
    const size_t n = static_cast<size_t>(std::max(1, limits.workers));
    this->new_task_queue = [n] { return new server::ElasticPool(n); };
  }
  void RaiseBacklog(int n) override {
    const socket_t fd = this->svr_sock_;
    if (fd != INVALID_SOCKET) (void)::listen(fd, n);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    SSL_CTX* ctx = nullptr;
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) ctx = this->ssl_context();
    server::ServeConnection(
        sock, ctx, limits_, guard_, [this] { return this->svr_sock_ == INVALID_SOCKET; },
        [this](httplib::Stream& strm, bool close, bool& closed) {
          return this->process_request(strm, close, closed, nullptr);
        });
    return true;
  }

  const server::TransportLimits limits_;
  server::ConnectionGuard guard_;
};

// A JSON error body for an answer httplib made itself (a malformed request
// line, a missed deadline, a body over its limit), which otherwise has none.
httplib::Server::HandlerResponse TransportError(bool tls, const httplib::Request&,
                                                httplib::Response& res) {
  const server::GuardedStream* strm = server::CurrentStream();
  if (strm != nullptr && strm->deadline_missed()) {
    res.status = 408;
    res.body.clear();
  }
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // the API's own
  server::CloseConnectionAfterResponse();  // what follows a malformed request is not a request
  const char* code = "INVALID_ARGUMENT";
  std::string message = "malformed HTTP request";
  switch (res.status) {
    case 408:
      code = "DEADLINE_EXCEEDED";
      message = "request not received in time";
      break;
    case 413:
      code = "RESOURCE_EXHAUSTED";
      message = "request body too large";
      break;
    case 414:
      message = "request target too long";
      break;
    case 404:
      code = "NOT_FOUND";
      message = "no such route";
      break;
    case 416:
      message = "range not satisfiable";
      break;
    default:
      if (res.status >= 500) {
        code = "INTERNAL";
        message = "internal error";
      }
  }
  res.set_content(
      nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(), "application/json");
  SecurityHeaders(tls, res);
  return httplib::Server::HandlerResponse::Handled;
}

void Serve(Service* service, bool tls, const httplib::Request& in, httplib::Response& out) {
  ApiRequest req;
  req.method = in.method;
  req.path = in.path;
  for (const auto& [k, v] : in.params) req.query.emplace(k, v);
  for (const auto& [k, v] : in.headers) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    req.headers.emplace(std::move(key), v);
  }
  req.body = in.body;
  req.remote_addr = in.remote_addr;
  ApiResponse r = service->Handle(req);
  out.status = r.status;
  if (!r.content_type.empty()) out.set_content(std::move(r.body), r.content_type.c_str());
  for (const auto& [k, v] : r.headers) out.set_header(k.c_str(), v);
  SecurityHeaders(tls, out);
}
}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Service* service, HttpServerOptions o) {
  if (!o.tls && !IsLoopbackHost(o.host)) {
    return InvalidArgumentError("plain HTTP is allowed on loopback only (got '" + o.host +
                                "'); use --https with a certificate");
  }
  auto impl = std::make_unique<Impl>();
  server::TransportLimits limits;
  limits.header_timeout_ms = o.header_timeout_ms;
  limits.request_timeout_ms = o.request_timeout_ms;
  limits.read_timeout_ms = int64_t{o.read_timeout_s} * 1000;
  limits.write_timeout_ms = int64_t{o.write_timeout_s} * 1000;
  limits.max_connections_per_address = o.max_connections_per_address;
  limits.workers = o.workers;
  if (o.tls) {
    if (!std::filesystem::exists(o.cert_file) || !std::filesystem::exists(o.key_file)) {
      return NotFoundError("TLS certificate or key not found (" + o.cert_file.string() + ", " +
                           o.key_file.string() + "): run scripts/make_cert.sh");
    }
    auto ssl = std::make_unique<GuardedServer<httplib::SSLServer>>(limits, o.cert_file.c_str(),
                                                                   o.key_file.c_str());
    if (!ssl->is_valid()) return InvalidArgumentError("cannot load the TLS certificate or key");
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<GuardedServer<httplib::Server>>(limits);
  }
  httplib::Server& s = *impl->http;
  // Timeouts and keep-alive are ServeConnection's (limits above).
  s.set_payload_max_length(64u << 20);  // the Service enforces its own, smaller limits
  const bool tls = o.tls;
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [tls](const httplib::Request& req, httplib::Response& res) {
        return TransportError(tls, req, res);
      }));
  if (o.web_client) {
    // Before the API's catch-all handlers: exact file paths only.
    std::optional<std::filesystem::path> dir =
        o.web_root.empty() ? FindWebClient() : std::optional(o.web_root);
    if (!dir) {
      spdlog::warn(
          R"({{"event":"web_client_absent","message":"no web/dist found (nor $CANDOR_WEB_DIR): )"
          R"(serving the API only; run scripts/setup.sh to build the browser client, or pass )"
          R"(--web-root DIR"}})");
    } else {
      auto n = server::MountWebClient(s, *dir);
      if (!n.ok()) return n.status();
      spdlog::info(R"({{"event":"web_client","dir":{},"files":{}}})",
                   nlohmann::json(dir->string()).dump(), *n);
    }
  }
  auto h = [service, tls](const httplib::Request& in, httplib::Response& out) {
    Serve(service, tls, in, out);
  };
  s.Get(".*", h);
  s.Post(".*", h);
  s.Put(".*", h);
  s.Patch(".*", h);
  s.Delete(".*", h);
  s.Options(".*", h);
  s.set_exception_handler(
      [tls](const httplib::Request&, httplib::Response& out, std::exception_ptr) {
        out.status = 500;
        out.set_content(R"({"error":{"code":"INTERNAL","message":"internal error"}})",
                        "application/json");
        SecurityHeaders(tls, out);
      });
  int port = o.port;
  if (port == 0) {
    port = s.bind_to_any_port(o.host.c_str());
  } else if (!s.bind_to_port(o.host.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    return UnavailableError("cannot listen on " + o.host + ":" + std::to_string(o.port));
  }
  if (auto* b = dynamic_cast<ListenBacklog*>(impl->http.get())) b->RaiseBacklog(SOMAXCONN);
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->port_ = port;
  Impl* raw = impl.get();
  auto listening_ended = std::make_shared<std::atomic<bool>>(false);
  impl->listener = std::thread([raw, listening_ended] {
    raw->http->listen_after_bind();
    *listening_ended = true;
  });
  // httplib's stop() does nothing until listen has begun, so a Stop() right
  // after Start() would otherwise leave the listener in accept() and hang the
  // join: return only once the server is running (or its listen has ended).
  while (!raw->http->is_running() && !*listening_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (o.purge_interval_ms > 0) {
    impl->purger = std::thread([raw, service, every = o.purge_interval_ms] {
      std::unique_lock<std::mutex> lock(raw->mu);
      while (!raw->cv.wait_for(lock, std::chrono::milliseconds(every),
                               [raw] { return raw->stopping; })) {
        lock.unlock();
        auto r = service->RunPurge();
        if (!r.ok()) {
          spdlog::error(R"({{"event":"purge_failed","code":"{}"}})", CodeName(r.status().code()));
        } else if (r->searches_purged || r->exigent_searches_purged || r->authorizations_lapsed) {
          spdlog::info(R"({{"event":"purge","searches":{},"exigent":{},"lapsed":{}}})",
                       r->searches_purged, r->exigent_searches_purged, r->authorizations_lapsed);
        }
        lock.lock();
      }
    });
  }
  server->impl_ = std::move(impl);
  return server;
}

void HttpServer::Stop() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->http->stop();
  if (impl_->listener.joinable()) impl_->listener.join();
  if (impl_->purger.joinable()) impl_->purger.join();
}

void HttpServer::Wait() {
  if (impl_ && impl_->listener.joinable()) impl_->listener.join();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace candor
