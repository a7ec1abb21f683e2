// Copyright 2026 The Candor Authors.
//
// candor serve --https ADDR:PORT | --http 127.0.0.1:PORT: the JSON API of
// docs/openapi.yaml (src/server/) over the store, the face pipeline and
// governance. Plain HTTP is refused off loopback. Thresholds come from the
// gallery model's calibration (--target-fpir / --target-fmr) unless
// --threshold overrides them (load tests). Logs are JSON lines on stderr.
// Stops cleanly on SIGINT / SIGTERM.

#include <signal.h>

#include <iostream>

#include "candor/calibration.h"
#include "candor/pipeline.h"
#include "candor/server.h"
#include "cli/command.h"
#include "cli/gallery_flags.h"
#include "cli/govern_flags.h"
#include "cli/pipeline_flags.h"
#include "common/paths.h"

namespace candor::cli {
namespace {

struct Args {
  StoreFlags store;
  std::string audit_key;
  PipelineFlags pipeline;
  std::string https, http, cert, tls_key, calibration;
  double target_fpir = 1e-3, target_fmr = 1e-4;
  float threshold = 0;
  int rate_limit = 600;
  int max_image_mb = 8;
  int purge_interval_s = 60;
};

StatusOr<std::pair<std::string, int>> HostPort(const std::string& s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos)
    return InvalidArgumentError("expected ADDR:PORT, got '" + s + "'");
  const int port = std::atoi(s.c_str() + colon + 1);
  if (port < 0 || port > 65535) return InvalidArgumentError("bad port in '" + s + "'");
  return std::make_pair(s.substr(0, colon), port);
}

Status Run(const Args& a) {
  if (a.https.empty() == a.http.empty()) {
    return InvalidArgumentError("pass exactly one of --https ADDR:PORT or --http 127.0.0.1:PORT");
  }
  CANDOR_ASSIGN_OR_RETURN(auto hp, HostPort(a.https.empty() ? a.http : a.https));
  HttpServerOptions ho;
  ho.host = hp.first;
  ho.port = hp.second;
  ho.tls = !a.https.empty();
  ho.purge_interval_ms = static_cast<int64_t>(a.purge_interval_s) * 1000;
  if (!ho.tls && !IsLoopbackHost(ho.host)) {
    return InvalidArgumentError("plain HTTP is allowed on loopback only; use --https");
  }
  const std::filesystem::path tls_dir = SourceDir() / ".cache" / "tls";
  ho.cert_file = a.cert.empty() ? tls_dir / "server.crt" : std::filesystem::path(a.cert);
  ho.key_file = a.tls_key.empty() ? tls_dir / "server.key" : std::filesystem::path(a.tls_key);

  UseJsonLogs();
  CANDOR_ASSIGN_OR_RETURN(auto store, OpenStore(a.store, /*create=*/true, /*read_only=*/false));
  CANDOR_ASSIGN_OR_RETURN(std::string dir, DefaultStoreDir(a.store.store));
  CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(a.store.key_file));
  GovernFlags gf{dir, a.audit_key, ""};
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path audit_path, AuditKeyPath(gf));
  if (!std::filesystem::exists(audit_path)) {
    CANDOR_RETURN_IF_ERROR(WriteAuditKey(GenerateAuditKey(), audit_path,
                                         std::filesystem::path(audit_path.string() + ".pub")));
  }
  CANDOR_ASSIGN_OR_RETURN(AuditSigningKey audit_key, ReadAuditKey(audit_path));
  std::vector<uint8_t> public_key = audit_key.public_key;
  Service* service_ptr = nullptr;
  GovernanceOptions go;
  go.purge_probe = [&service_ptr](const std::string& id) {
    return service_ptr ? service_ptr->DeleteProbe(id) : UnavailableError("service not started");
  };
  CANDOR_ASSIGN_OR_RETURN(auto gov, Governance::Open(dir, std::move(audit_key), go));
  CANDOR_ASSIGN_OR_RETURN(auto pipeline, Pipeline::Open(ToPipelineOptions(a.pipeline)));

  ServerOptions so;
  so.probe_dir = std::filesystem::path(dir) / "probes";
  so.probe_key = key;
  so.audit_public_key = public_key;
  so.rate_limit_per_minute = a.rate_limit;
  so.max_image_bytes = static_cast<size_t>(a.max_image_mb) << 20;
  so.max_body_bytes = so.max_image_bytes * 4 / 3 + (64 << 10);
  if (a.threshold > 0) {
    so.threshold = [t = a.threshold](const GalleryInfo&, SearchKind) -> StatusOr<float> {
      return t;
    };
  } else {
    so.threshold = [a](const GalleryInfo& g, SearchKind kind) -> StatusOr<float> {
      CANDOR_ASSIGN_OR_RETURN(Calibration cal,
                              LoadCalibrationFor(a.calibration, g.model_id, g.model_sha256));
      if (kind == SearchKind::kVerify) {
        CANDOR_ASSIGN_OR_RETURN(ThresholdChoice c, cal.ThresholdForFmr(a.target_fmr));
        return static_cast<float>(c.threshold);
      }
      const uint64_t n = static_cast<uint64_t>(std::max<int64_t>(1, g.subjects));
      CANDOR_ASSIGN_OR_RETURN(ThresholdChoice c, cal.ThresholdForFpir(a.target_fpir, n));
      return static_cast<float>(c.threshold);
    };
  }
  Service service(gov.get(), store.get(), pipeline.get(), so);
  service_ptr = &service;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // server threads inherit the mask
  CANDOR_ASSIGN_OR_RETURN(auto http, HttpServer::Start(&service, ho));
  std::cout << "candor: serving " << (ho.tls ? "https" : "http") << "://" << ho.host << ":"
            << http->port() << "/ (store " << dir << "); Ctrl-C stops" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  http->Stop();
  service_ptr = nullptr;
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"serve", "The HTTPS JSON API (docs/openapi.yaml, docs/SERVICE.md)",
     [](CLI::App& sub, const GlobalOptions&) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.add_option("--https", a->https, "Serve HTTPS on ADDR:PORT");
       sub.add_option("--http", a->http, "Serve plain HTTP on 127.0.0.1:PORT (loopback only)");
       sub.add_option("--cert", a->cert, "TLS certificate (default .cache/tls/server.crt)");
       sub.add_option("--tls-key", a->tls_key, "TLS private key (default .cache/tls/server.key)");
       sub.add_option(
           "--audit-key", a->audit_key,
           "Audit signing key (default $CANDOR_AUDIT_KEY, else <store>/audit_ed25519.key)");
       sub.add_option("--calibration", a->calibration,
                      "Calibration file (default calibration/<model>.json)");
       sub.add_option("--target-fpir", a->target_fpir, "1:N threshold target")
           ->check(CLI::Range(0.0, 1.0));
       sub.add_option("--target-fmr", a->target_fmr, "1:1 threshold target")
           ->check(CLI::Range(0.0, 1.0));
       sub.add_option("--threshold", a->threshold,
                      "Fixed cosine threshold instead of a calibration (load tests only)");
       sub.add_option("--rate-limit", a->rate_limit, "Requests per minute per account (0: none)");
       sub.add_option("--max-image-mb", a->max_image_mb, "Largest accepted image")
           ->check(CLI::Range(1, 64));
       sub.add_option("--purge-interval", a->purge_interval_s, "Seconds between retention purges");
       AddStoreFlags(sub, &a->store);
       AddPipelineFlags(sub, &a->pipeline);
       return [a] { return Run(*a); };
     }});

}  // namespace
}  // namespace candor::cli
