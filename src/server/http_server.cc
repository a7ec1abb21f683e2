// Copyright 2026 The Candor Authors.
//
// HttpServer: cpp-httplib in front of a Service (HTTPS via OpenSSL, or plain
// HTTP on loopback only), and the periodic retention purge.

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "candor/server.h"
#include "server/web_static.h"

namespace candor {

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
void Serve(Service* service, const httplib::Request& in, httplib::Response& out) {
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
  out.set_header("Cache-Control", "no-store");
  out.set_header("X-Content-Type-Options", "nosniff");
}
}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Service* service, HttpServerOptions o) {
  if (!o.tls && !IsLoopbackHost(o.host)) {
    return InvalidArgumentError("plain HTTP is allowed on loopback only (got '" + o.host +
                                "'); use --https with a certificate");
  }
  auto impl = std::make_unique<Impl>();
  if (o.tls) {
    if (!std::filesystem::exists(o.cert_file) || !std::filesystem::exists(o.key_file)) {
      return NotFoundError("TLS certificate or key not found (" + o.cert_file.string() + ", " +
                           o.key_file.string() + "): run scripts/make_cert.sh");
    }
    auto ssl = std::make_unique<httplib::SSLServer>(o.cert_file.c_str(), o.key_file.c_str());
    if (!ssl->is_valid()) return InvalidArgumentError("cannot load the TLS certificate or key");
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl->http;
  s.set_read_timeout(o.read_timeout_s, 0);
  s.set_write_timeout(o.write_timeout_s, 0);
  s.set_keep_alive_timeout(5);
  s.set_payload_max_length(64u << 20);  // the Service enforces its own, smaller limits
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
  auto h = [service](const httplib::Request& in, httplib::Response& out) {
    Serve(service, in, out);
  };
  s.Get(".*", h);
  s.Post(".*", h);
  s.Put(".*", h);
  s.Patch(".*", h);
  s.Delete(".*", h);
  s.Options(".*", h);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& out, std::exception_ptr) {
    out.status = 500;
    out.set_content(R"({"error":{"code":"INTERNAL","message":"internal error"}})",
                    "application/json");
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
