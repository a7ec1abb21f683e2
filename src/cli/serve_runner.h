// Copyright 2026 The Candor Authors.
//
// Runs the HTTP service (src/server/) over a store until SIGINT / SIGTERM:
// the body of `candor serve`, shared with `candor demo`, which sets up a demo
// store and then serves it. CLI-only.
//
// RunService opens the store (created if missing) and governance (the audit
// key is created on first start), takes thresholds from the gallery model's
// calibration unless `threshold` > 0, binds (HTTPS on `https`, or plain HTTP
// on a loopback `http` address), calls `on_ready` with the URL actually bound
// (port 0 picks one), then blocks until a signal arrives and stops cleanly.
// Errors: INVALID_ARGUMENT (bad or non-loopback plain-HTTP address),
// UNAVAILABLE (cannot bind), NOT_FOUND (no TLS certificate), and those of
// opening the store, governance and pipeline.

#ifndef CANDOR_CLI_SERVE_RUNNER_H_
#define CANDOR_CLI_SERVE_RUNNER_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "candor/cluster.h"
#include "candor/pipeline.h"
#include "candor/status.h"
#include "cli/gallery_flags.h"
#include "cli/pipeline_flags.h"

namespace candor::cli {

struct ServeConfig {
  StoreFlags store;
  std::string audit_key;  // default $CANDOR_AUDIT_KEY, else <store>/audit_ed25519.key
  PipelineFlags pipeline;
  std::string https, http;  // exactly one: "ADDR:PORT"
  std::string cert, tls_key, calibration;
  std::string web_root;  // the browser client (serve_web.h); empty: found
  double target_fpir = 1e-3, target_fmr = 1e-4;
  double finger_target_fpir = 1e-2, finger_target_fmr = 1e-2;  // finger galleries
  float threshold = 0;   // > 0: fixed threshold (load tests only)
  int rate_limit = 600;  // requests per minute per account; 0: none
  int rate_burst = 120;
  int max_image_mb = 8;
  int max_image_megapixels = 24;    // pixels of one image (413 beyond)
  int image_budget = 600;           // megapixels per minute per account; 0: none
  int auth_failures = 10;           // failed authentications per minute per address/account
  int max_connections_per_address = 16;
  int header_timeout_s = 10;        // TLS handshake + request line + headers
  int purge_interval_s = 60;
  // Governance: the "standard" retention class (the default; short 7 d and
  // extended 365 d stay) and the window an exigent authorization has to be
  // backed by a judicial one. Enforced and shown (exigent_deadline) alike.
  int retention_days = 30;
  int exigent_window_hours = 48;
  // Cluster front end (docs/CLUSTER.md): with `nats` set, the galleries live
  // on the cluster's shards instead of in the local store; governance, the
  // audit log and probe images stay in the local store directory.
  std::string nats;
  ClusterOptions cluster;
};

// Adds the TLS, threshold, limit, purge and retention options of `serve` (not --https,
// --http, --calibration, nor the store and pipeline flags). `for_demo`: leaves
// out --audit-key and the threshold targets, which `candor demo` fixes.
void AddServeFlags(CLI::App& sub, ServeConfig* c, bool for_demo = false);

// Serves until SIGINT / SIGTERM. `pipeline`: an already open pipeline to use
// (borrowed), or null to open one from config.pipeline. `on_ready(url)` is
// called once listening; by default the URL is printed on stdout.
Status RunService(const ServeConfig& config, const Pipeline* pipeline = nullptr,
                  std::function<void(const std::string& url)> on_ready = {});

}  // namespace candor::cli

#endif  // CANDOR_CLI_SERVE_RUNNER_H_
