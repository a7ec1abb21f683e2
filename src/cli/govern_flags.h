// Copyright 2026 The Candor Authors.
//
// Flags shared by the governance commands (account, authorization, audit,
// report-transparency). Header-only; used only by the CLI.
//   --store DIR        the store directory (else $CANDOR_STORE)
//   --audit-key FILE   Ed25519 audit signing key (else $CANDOR_AUDIT_KEY, else
//                      <store>/audit_ed25519.key); its public half is FILE.pub
//   --as USER          the local operator: a named account (else $CANDOR_USER)
// The CLI goes through the same Governance checks and audit as the server.

#ifndef CANDOR_CLI_GOVERN_FLAGS_H_
#define CANDOR_CLI_GOVERN_FLAGS_H_

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "candor/audit.h"
#include "candor/govern.h"

namespace candor::cli {

struct GovernFlags {
  std::string store;
  std::string audit_key;
  std::string as;
};

inline void AddGovernFlags(CLI::App& sub, GovernFlags* f, bool with_as = true) {
  sub.add_option("--store", f->store, "Store directory (default $CANDOR_STORE)");
  sub.add_option("--audit-key", f->audit_key,
                 "Audit signing key (default $CANDOR_AUDIT_KEY, else <store>/audit_ed25519.key)");
  if (with_as) sub.add_option("--as", f->as, "Act as this account (default $CANDOR_USER)");
}

inline std::string EnvOr(const std::string& value, const char* env) {
  if (!value.empty()) return value;
  const char* v = std::getenv(env);
  return v ? std::string(v) : std::string();
}

inline StatusOr<std::filesystem::path> StoreDir(const GovernFlags& f) {
  std::string dir = EnvOr(f.store, "CANDOR_STORE");
  if (dir.empty()) return InvalidArgumentError("no store: pass --store DIR or set CANDOR_STORE");
  return std::filesystem::path(dir);
}

inline StatusOr<std::filesystem::path> AuditKeyPath(const GovernFlags& f) {
  std::string k = EnvOr(f.audit_key, "CANDOR_AUDIT_KEY");
  if (!k.empty()) return std::filesystem::path(k);
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path dir, StoreDir(f));
  return dir / "audit_ed25519.key";
}

// Opens governance; with `create_key`, makes the audit key pair if missing.
inline StatusOr<std::unique_ptr<Governance>> OpenGovernance(const GovernFlags& f,
                                                            bool create_key = false) {
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path dir, StoreDir(f));
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path key_path, AuditKeyPath(f));
  if (create_key && !std::filesystem::exists(key_path)) {
    CANDOR_RETURN_IF_ERROR(WriteAuditKey(GenerateAuditKey(), key_path,
                                         std::filesystem::path(key_path.string() + ".pub")));
  }
  auto key = ReadAuditKey(key_path);
  if (!key.ok()) {
    return Status(key.status().code(), "audit key " + key_path.string() + ": " +
                                           key.status().message() +
                                           " (create it with `candor account bootstrap`)");
  }
  return Governance::Open(dir, std::move(key).value());
}

inline StatusOr<Principal> Operator(Governance& g, const GovernFlags& f) {
  std::string who = EnvOr(f.as, "CANDOR_USER");
  if (who.empty()) return UnauthenticatedError("no operator: pass --as USER or set CANDOR_USER");
  return g.LocalPrincipal(who);
}

// "2026-11-22" (midnight UTC) or "2026-11-22T13:45:00Z" -> Unix ms.
inline StatusOr<int64_t> ParseTime(const std::string& s) {
  std::tm tm{};
  const char* end = nullptr;
  if (s.size() == 10) {
    end = strptime(s.c_str(), "%Y-%m-%d", &tm);
  } else {
    end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  if (!end || *end != '\0') {
    return InvalidArgumentError("bad time '" + s + "': use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_GOVERN_FLAGS_H_
