// Copyright 2026 The Candor Authors.
//
// libFuzzer over the service's request handlers (no sockets): fuzzed method,
// path, query, Authorization header and body go straight to Service::Handle
// over a temporary store and governance (no face pipeline: image routes stop
// at 503 after parsing). Invariants: Handle returns; every non-2xx response
// is the JSON error shape; every JSON response parses.
//
// Input: byte 0 = method, byte 1 bit 0 = send the admin's real token (else the
// next line is used as the token), then "path?query\n", then the body.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "candor/server.h"
#include "search_desk/thresholds.h"

namespace {

struct Env {
  std::unique_ptr<candor::Store> store;
  std::unique_ptr<candor::Governance> gov;
  std::unique_ptr<candor::Service> service;
  std::string token;
};

Env* Setup() {
  auto* env = new Env();
  const auto dir =
      std::filesystem::temp_directory_path() / ("candor_server_fuzz_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  candor::StoreOptions so;
  so.create_if_missing = true;
  so.master_key.fill(7);
  env->store = std::move(candor::Store::Open((dir / "store").string(), so)).value();
  candor::GovernanceOptions go;
  go.fast_password_hashing = true;
  env->gov =
      std::move(candor::Governance::Open(dir / "store", candor::GenerateAuditKey(), go)).value();
  (void)env->gov->BootstrapAdmin("admin", "admin-password-123", 4102444800000);
  env->token = env->gov->SignIn("admin", "admin-password-123").value().token;
  candor::ServerOptions o;
  o.rate_limit_per_minute = 0;
  // One fixed client address: with the failed-authentication throttle on, the
  // fuzzed tokens would soon lock the admin's real token out too.
  o.auth_failures_per_minute = 0;
  o.probe_dir = dir / "probes";
  candor::SearchCalibrationOptions sc;
  sc.fixed_threshold = 0.4f;
  o.calibration = candor::OpenSearchCalibration(*env->store, sc);
  env->service = std::make_unique<candor::Service>(env->gov.get(), env->store.get(), nullptr, o);
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env* env = Setup();
  if (size < 2) return 0;
  static const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "X"};
  candor::ApiRequest req;
  req.method = kMethods[data[0] % 8];
  const bool real_token = data[1] & 1;
  std::string rest(reinterpret_cast<const char*>(data + 2), size - 2);
  auto line = [&rest]() {
    const size_t nl = rest.find('\n');
    std::string l = rest.substr(0, nl);
    rest = nl == std::string::npos ? "" : rest.substr(nl + 1);
    return l;
  };
  if (real_token) {
    req.headers["authorization"] = "Bearer " + env->token;
  } else if (data[1] & 2) {
    req.headers["authorization"] = line();
  }
  std::string target = line();
  const size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string qs = target.substr(q + 1);
    size_t start = 0;
    while (start <= qs.size()) {
      size_t amp = qs.find('&', start);
      std::string kv = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      const size_t eq = kv.find('=');
      req.query[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  req.body = std::move(rest);
  req.remote_addr = "127.0.0.1";
  candor::ApiResponse r = env->service->Handle(req);
  if (r.content_type == "application/json") {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) std::abort();
    if (r.status >= 400 &&
        !(j.contains("error") && j["error"].contains("code") && j["error"].contains("message"))) {
      std::abort();
    }
  }
  if (r.status < 200 || r.status > 599) std::abort();
  return 0;
}
