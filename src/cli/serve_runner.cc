// Copyright 2026 The Candor Authors.

#include "cli/serve_runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iostream>

#include "candor/calibration.h"
#include "candor/server.h"
#include "cli/cluster_front.h"
#include "cli/govern_flags.h"
#include "cli/serve_web.h"
#include "common/paths.h"
#include "search_desk/thresholds.h"

namespace candor::cli {
namespace {

StatusOr<std::pair<std::string, int>> HostPort(const std::string& s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    return InvalidArgumentError("expected ADDR:PORT, got '" + s + "'");
  }
  const std::string port_text = s.substr(colon + 1);
  if (!std::all_of(port_text.begin(), port_text.end(), ::isdigit) || port_text.size() > 5) {
    return InvalidArgumentError("bad port in '" + s + "'");
  }
  const int port = std::atoi(port_text.c_str());
  if (port > 65535) return InvalidArgumentError("bad port in '" + s + "'");
  return std::make_pair(s.substr(0, colon), port);
}

// SIGINT / SIGTERM -> one byte on a pipe the serving thread blocks on. A
// handler (not a blocked mask + sigwait) so that a signal delivered to any
// thread, including ones started before serving (pipeline workers), stops the
// server cleanly instead of killing the process.
int g_stop_pipe[2] = {-1, -1};
extern "C" void OnStopSignal(int) {
  const char b = 1;
  [[maybe_unused]] ssize_t n = write(g_stop_pipe[1], &b, 1);
}

}  // namespace

void AddServeFlags(CLI::App& sub, ServeConfig* c, bool for_demo) {
  AddWebRootFlag(sub, &c->web_root);
  sub.add_option("--cert", c->cert, "TLS certificate (default .cache/tls/server.crt)");
  sub.add_option("--tls-key", c->tls_key, "TLS private key (default .cache/tls/server.key)");
  if (!for_demo) {
    sub.add_option("--audit-key", c->audit_key,
                   "Audit signing key (default $CANDOR_AUDIT_KEY, else <store>/audit_ed25519.key)");
    sub.add_option("--target-fpir", c->target_fpir, "1:N threshold target")
        ->check(CLI::Range(0.0, 1.0));
    sub.add_option("--target-fmr", c->target_fmr, "1:1 threshold target")
        ->check(CLI::Range(0.0, 1.0));
    sub.add_option("--finger-target-fpir", c->finger_target_fpir,
                   "1:N threshold target of finger galleries")
        ->check(CLI::Range(0.0, 1.0));
    sub.add_option("--finger-target-fmr", c->finger_target_fmr,
                   "1:1 threshold target of finger galleries")
        ->check(CLI::Range(0.0, 1.0));
    sub.add_option("--threshold", c->threshold,
                   "Fixed cosine threshold instead of a calibration (load tests only)");
  }
  sub.add_option("--rate-limit", c->rate_limit,
                 "Requests per minute per account (per address before sign-in); 0: no limit")
      ->check(CLI::Range(0, 10'000'000));
  sub.add_option("--rate-burst", c->rate_burst, "Requests an account may make at once")
      ->check(CLI::Range(1, 1'000'000));
  sub.add_option("--max-image-mb", c->max_image_mb, "Largest accepted image")
      ->check(CLI::Range(1, 64));
  sub.add_option("--max-image-megapixels", c->max_image_megapixels,
                 "Largest image in pixels (width x height, from its header), in millions")
      ->check(CLI::Range(1, 50));
  sub.add_option("--image-budget", c->image_budget,
                 "Image processing per account: megapixels per minute (each image costs at least "
                 "1); 0: no limit")
      ->check(CLI::Range(0, 10'000'000));
  sub.add_option("--auth-failures", c->auth_failures,
                 "Failed authentications per minute per client address and per account name "
                 "(20 at once) before 429; 0: no limit")
      ->check(CLI::Range(0, 1'000'000));
  sub.add_option("--max-connections-per-address", c->max_connections_per_address,
                 "Connections one client address may hold open at once")
      ->check(CLI::Range(1, 10'000));
  sub.add_option("--header-timeout", c->header_timeout_s,
                 "Seconds a client has for the TLS handshake, request line and headers")
      ->check(CLI::Range(1, 600));
  sub.add_option("--purge-interval", c->purge_interval_s,
                 "Seconds between retention purges (exigent lapses, retention periods)")
      ->check(CLI::Range(1, 86400));
  sub.add_option("--retention-days", c->retention_days,
                 "Days probes and results of searches are kept in galleries of the standard "
                 "retention class (short: 7, extended: 365)")
      ->check(CLI::Range(1, 3650));
  sub.add_option("--exigent-window-hours", c->exigent_window_hours,
                 "Hours an exigent authorization has to be backed by a warrant or court order "
                 "before it lapses and its searches are purged")
      ->check(CLI::Range(1, 720));
}

Status RunService(const ServeConfig& c, const Pipeline* pipeline,
                  std::function<void(const std::string& url)> on_ready) {
  if (c.https.empty() == c.http.empty()) {
    return InvalidArgumentError("pass exactly one of --https ADDR:PORT or --http 127.0.0.1:PORT");
  }
  CANDOR_ASSIGN_OR_RETURN(auto hp, HostPort(c.https.empty() ? c.http : c.https));
  HttpServerOptions ho;
  ho.host = hp.first;
  ho.port = hp.second;
  ho.tls = !c.https.empty();
  ho.purge_interval_ms = static_cast<int64_t>(c.purge_interval_s) * 1000;
  if (!ho.tls && !IsLoopbackHost(ho.host)) {
    return InvalidArgumentError("plain HTTP is allowed on loopback only; use --https");
  }
  const std::filesystem::path tls_dir = SourceDir() / ".cache" / "tls";
  ho.cert_file = c.cert.empty() ? tls_dir / "server.crt" : std::filesystem::path(c.cert);
  ho.key_file = c.tls_key.empty() ? tls_dir / "server.key" : std::filesystem::path(c.tls_key);

  LogToStderr();
  UseJsonLogs();
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenServedStore(c));
  CANDOR_ASSIGN_OR_RETURN(std::string dir, DefaultStoreDir(c.store.store));
  CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(c.store.key_file));
  GovernFlags gf{dir, c.audit_key, ""};
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path audit_path, AuditKeyPath(gf));
  if (!std::filesystem::exists(audit_path)) {
    CANDOR_RETURN_IF_ERROR(WriteAuditKey(GenerateAuditKey(), audit_path,
                                         std::filesystem::path(audit_path.string() + ".pub")));
  }
  CANDOR_ASSIGN_OR_RETURN(AuditSigningKey audit_key, ReadAuditKey(audit_path));
  std::vector<uint8_t> public_key = audit_key.public_key;
  Service* service_ptr = nullptr;
  GovernanceOptions go;
  go.default_retention_ms = static_cast<int64_t>(c.retention_days) * kMsPerDay;
  go.retention_classes["standard"] = go.default_retention_ms;
  go.policy.exigent_window_ms = static_cast<int64_t>(c.exigent_window_hours) * 3600 * 1000;
  go.purge_probe = [&service_ptr](const std::string& id) {
    return service_ptr ? service_ptr->DeleteProbe(id) : UnavailableError("service not started");
  };
  CANDOR_ASSIGN_OR_RETURN(go.audit_mirror, OpenServedAuditMirror(c));
  CANDOR_ASSIGN_OR_RETURN(auto gov, Governance::Open(dir, std::move(audit_key), go));
  std::unique_ptr<Pipeline> own_pipeline;
  if (!pipeline) {
    CANDOR_ASSIGN_OR_RETURN(own_pipeline, Pipeline::Open(ToPipelineOptions(c.pipeline)));
    pipeline = own_pipeline.get();
  }

  ServerOptions so;
  so.probe_dir = std::filesystem::path(dir) / "probes";
  so.probe_key = key;
  std::fill(key.begin(), key.end(), 0);
  so.audit_public_key = public_key;
  so.rate_limit_per_minute = c.rate_limit;
  so.rate_burst = c.rate_burst;
  so.max_image_bytes = static_cast<size_t>(c.max_image_mb) << 20;
  so.max_body_bytes = so.max_image_bytes * 4 / 3 + (64 << 10);
  so.max_image_pixels = uint64_t(c.max_image_megapixels) * 1'000'000;
  so.image_megapixels_per_minute = c.image_budget;
  so.auth_failures_per_minute = c.auth_failures;
  ho.max_connections_per_address = c.max_connections_per_address;
  ho.header_timeout_ms = int64_t{c.header_timeout_s} * 1000;
  // Thresholds and rates (search_desk/thresholds.h): identify from the
  // gallery's stored in-gallery calibration when it has one, else the model's
  // file, like `candor identify`; a fixed --threshold for load tests.
  SearchCalibrationOptions sc;
  sc.model_calibration = c.calibration;
  sc.target_fpir = c.target_fpir;
  sc.target_fmr = c.target_fmr;
  sc.finger_target_fpir = c.finger_target_fpir;
  sc.finger_target_fmr = c.finger_target_fmr;
  sc.fixed_threshold = c.threshold;
  so.calibration = OpenSearchCalibration(*store, sc);
  ConfigureWebAndReview(dir, c.web_root, &so, &ho);
  Service service(gov.get(), store.get(), pipeline, so);
  service_ptr = &service;

  if (pipe(g_stop_pipe) != 0) return InternalError("pipe() failed");
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  auto restore = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    close(g_stop_pipe[0]);
    close(g_stop_pipe[1]);
    g_stop_pipe[0] = g_stop_pipe[1] = -1;
  };
  auto http = HttpServer::Start(&service, ho);
  if (!http.ok()) {
    restore();
    return http.status();
  }
  const std::string url = std::string(ho.tls ? "https" : "http") + "://" + ho.host + ":" +
                          std::to_string((*http)->port()) + "/";
  if (on_ready) {
    on_ready(url);
  } else {
    std::cout << "candor: serving " << url << " (store " << dir << "); Ctrl-C stops" << std::endl;
  }
  char b = 0;
  while (read(g_stop_pipe[0], &b, 1) < 0 && errno == EINTR) {
  }
  (*http)->Stop();
  service_ptr = nullptr;
  restore();
  return OkStatus();
}

}  // namespace candor::cli
