// Copyright 2026 The Candor Authors.
//
// The Candor HTTP service: the JSON API of docs/openapi.yaml over the gallery
// store (gallery.h), the face pipeline (pipeline.h) and the governance core
// (govern.h). Every identify / verify goes through Governance::BeginSearch
// (authorization, role, training, gallery bases, search limits), is audited,
// and its result is a lead for two-person review.
//
//   Service  the request handler, independent of sockets: Handle() takes a
//            parsed request and returns the response. Used by HttpServer, by
//            the tests and by the fuzzer.
//   HttpServer  cpp-httplib (HTTPS with OpenSSL, or plain HTTP on loopback
//            only) in front of a Service, plus the periodic retention purge.
//
// Errors: every response that is not 2xx has the body
//   {"error": {"code": "PERMISSION_DENIED", "message": "..."}}
// with the HTTP status of candor::HttpStatus(code), except 413 (body or image
// too large) and 422 (no usable face in the image). Handle() never throws:
// every exception is caught at the boundary and answered as 500 INTERNAL.
//
// Ownership: Service borrows the Governance, Store and Pipeline (which must
// outlive it). Pipeline may be null (then image routes answer 503).
// Thread safety: Handle() may be called from many threads at once.

#ifndef CANDOR_SERVER_H_
#define CANDOR_SERVER_H_

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "candor/gallery.h"
#include "candor/govern.h"
#include "candor/status.h"

namespace candor {

class Pipeline;

class SearchBook;
class SearchDesk;
namespace server {
class Metrics;
class RateLimiter;
class AuthThrottle;
class ProbeVault;
}  // namespace server

struct ApiRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // "/v1/identify" (no query string)
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // keys lower-case
  std::string body;
  std::string remote_addr;  // "127.0.0.1"
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Retry-After
};

// Where thresholds and the error rates of scores come from
// (src/search_desk/thresholds.h: OpenSearchCalibration).
class SearchCalibration;

struct ServerOptions {
  size_t max_body_bytes = 12u << 20;  // whole request body (413 beyond)
  size_t max_image_bytes = 8u << 20;  // decoded image bytes (413 beyond)
  // Pixels of one image as its header declares them (413 beyond, before
  // decoding): a 143 KB PNG can declare 7000 x 7000 and cost seconds of CPU.
  uint64_t max_image_pixels = 24'000'000;
  // Image processing per account (quality, identify, verify, enroll): each
  // image costs its megapixels (at least 1) from a bucket of this many per
  // minute (the burst is the same); over it 429 with Retry-After. <= 0: off.
  int image_megapixels_per_minute = 600;
  int rate_limit_per_minute = 600;    // per account (or per address when unauthenticated)
  int rate_burst = 120;
  // Failed authentication (wrong password, bad token, no credentials) per
  // client address and per account name: `auth_failure_burst` failures, then
  // `auth_failures_per_minute`; beyond that 429 with Retry-After, unchecked,
  // audited in one coalesced "auth.throttled" entry per minute
  // (src/server/auth_throttle.h). <= 0: not limited.
  int auth_failures_per_minute = 10;
  int auth_failure_burst = 20;
  std::function<int64_t()> clock;         // Unix ms; default: system clock
  // Thresholds and the rates of scores for identify / verify (required for
  // them; searches answer 503 without): one source, shared with the CLI.
  std::shared_ptr<const SearchCalibration> calibration;
  std::filesystem::path probe_dir;        // where probe images are kept (sealed)
  StoreKey probe_key{};                   // seals probe images at rest
  std::vector<uint8_t> audit_public_key;  // for GET /v1/audit/verify
  // The one sealed record of searches and their reviews (SQLite, sealed
  // with a key derived from probe_key; src/search_desk/search_book.h), shared
  // with the CLI's searches of the same store. Empty: kept in memory only.
  std::filesystem::path search_book;
};

class Service {
 public:
  Service(Governance* governance, Store* store, const Pipeline* pipeline, ServerOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Answers one request. Never throws.
  ApiResponse Handle(const ApiRequest& request) noexcept;

  // Runs the retention purge at the current clock (probe images go through
  // the vault), and writes the coalesced audit entries of throttled
  // authentication whose minute has ended. Called periodically by HttpServer;
  // tests call it directly.
  StatusOr<PurgeSummary> RunPurge();

  // Deletes a stored probe image and the candidates and reviews the service
  // recorded for the search (the Governance purge_probe callback).
  Status DeleteProbe(const std::string& search_id);

  int64_t Now() const;

  struct Ctx;  // per-request context (internal to src/server/)

 private:
  friend struct ServiceRoutes;
  // Appends the coalesced "auth.throttled" entries that are due (all with `flush`).
  void AuditThrottled(bool flush);

  Governance* gov_;
  Store* store_;
  const Pipeline* pipeline_;
  ServerOptions options_;
  std::unique_ptr<server::Metrics> metrics_;
  std::unique_ptr<server::RateLimiter> limiter_;
  std::unique_ptr<server::AuthThrottle> auth_throttle_;
  std::unique_ptr<server::RateLimiter> image_budget_;  // megapixels per account
  std::unique_ptr<server::ProbeVault> vault_;
  std::unique_ptr<SearchBook> book_;  // null if it could not be opened (routes: 503)
  std::unique_ptr<SearchDesk> desk_;  // every identify / verify goes through it
  Status book_status_;                        // why it could not be opened
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;      // 0: an ephemeral port
  bool tls = false;  // plain HTTP is refused unless host is loopback
  std::filesystem::path cert_file, key_file;
  int read_timeout_s = 10, write_timeout_s = 10;  // any single wait for bytes
  // Slow clients (docs/SERVICE.md "Transport limits"): the TLS handshake,
  // request line and headers must arrive within header_timeout_ms of the
  // request's start and the whole request within request_timeout_ms, however
  // steadily the client trickles (answered 408); at most
  // max_connections_per_address connections from one address at once (more
  // are answered 429 and closed); `workers` connections are served at once.
  int64_t header_timeout_ms = 10'000;
  int64_t request_timeout_ms = 60'000;
  int max_connections_per_address = 16;
  int workers = 128;
  int64_t purge_interval_ms = 60'000;  // 0: no background purge
  // The browser client (web/dist) at "/", beside the API. web_root empty:
  // found by FindWebClient(); when none is found the API is served alone and
  // a warning is logged. An explicit web_root without index.html: NOT_FOUND.
  bool web_client = false;
  std::filesystem::path web_root;
};

class HttpServer {
 public:
  // Binds and starts serving on a background thread. INVALID_ARGUMENT for plain
  // HTTP on a non-loopback address; UNAVAILABLE if the address cannot be bound.
  static StatusOr<std::unique_ptr<HttpServer>> Start(Service* service, HttpServerOptions options);
  ~HttpServer();  // stops
  int port() const { return port_; }
  void Stop();
  // Blocks until Stop() is called from another thread or a signal handler.
  void Wait();

 private:
  HttpServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Makes every log line one JSON object: {"ts","level","msg":{...}} (UTC).
void UseJsonLogs();
// Sends the default logger to stderr (a new logger; the level is kept), so
// stdout stays free for a command's output. `candor serve` calls it, then
// UseJsonLogs (docs/SERVICE.md, "Logs").
void LogToStderr();

// The browser client's directory: $CANDOR_WEB_DIR if set, else the first
// web/dist holding index.html found walking up from the running executable's
// folder, else ./web/dist; nullopt when none holds index.html.
std::optional<std::filesystem::path> FindWebClient();

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

}  // namespace candor

#endif  // CANDOR_SERVER_H_
