// Copyright 2026 The Candor Authors.
//
// Flags shared by the governance commands (account, authorization, audit,
// report-transparency). Header-only; used only by the CLI.
//   --store DIR        the store directory (else $CANDOR_STORE)
//   --audit-key FILE   Ed25519 audit signing key (else $CANDOR_AUDIT_KEY, else
//                      <store>/audit_ed25519.key); its public half is FILE.pub
//   --as USER          the local operator: a named account (else $CANDOR_USER)
//   --key-file FILE    the store key, for the steps that also need it (account
//                      create and token, authorization approve; see
//                      RequireStoreKey in gallery_flags.h)
// The CLI goes through the same Governance checks and audit as the server, and
// its operator proves who they are as a server's caller does (Operator below):
// an API or session token in $CANDOR_TOKEN, or the account's password from
// $CANDOR_PASSWORD or, on a terminal, a prompt without echo. Never a name alone.

#ifndef CANDOR_CLI_GOVERN_FLAGS_H_
#define CANDOR_CLI_GOVERN_FLAGS_H_

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "candor/audit.h"
#include "candor/gallery.h"
#include "candor/govern.h"

namespace candor::cli {

struct GovernFlags {
  std::string store;
  std::string audit_key;
  std::string as;
  std::string key_file;  // the store key (AddGovernFlags' --key-file)
};

inline void AddGovernFlags(CLI::App& sub, GovernFlags* f, bool with_as = true) {
  sub.add_option("--store", f->store, "Store directory (default $CANDOR_STORE)");
  sub.add_option("--audit-key", f->audit_key,
                 "Audit signing key (default $CANDOR_AUDIT_KEY, else <store>/audit_ed25519.key)");
  if (with_as) {
    sub.add_option("--as", f->as,
                   "Act as this account (default $CANDOR_USER); its password comes from "
                   "$CANDOR_PASSWORD or a prompt, or use an API token in $CANDOR_TOKEN");
  }
  sub.add_option("--key-file", f->key_file,
                 "Store key file (default $CANDOR_KEY_FILE, else $CANDOR_KEY); needed to create "
                 "accounts and tokens and to approve authorizations");
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

// Reads a secret from the terminal without echo ("" when stdin is not a
// terminal, or on end of input).
inline std::string PromptSecret(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) return {};
  std::cerr << prompt << std::flush;
  termios old{};
  const bool saved = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (saved) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (saved) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << std::endl;
  return line;
}

// The password of account `who`: $CANDOR_PASSWORD, else a prompt on a terminal.
inline std::string OperatorPassword(const std::string& who) {
  std::string pw = EnvOr("", "CANDOR_PASSWORD");
  if (pw.empty()) pw = PromptSecret("password for " + who + ": ");
  return pw;
}

inline bool HasOperator(const GovernFlags& f) {
  return !EnvOr(f.as, "CANDOR_USER").empty() || !EnvOr("", "CANDOR_TOKEN").empty();
}

// The authenticated operator. With $CANDOR_TOKEN: the token's account (it
// must be --as's, if --as is given); else --as / $CANDOR_USER with its
// password (OperatorPassword). Every refusal is audited by Governance (or
// here, for a token of another account). UNAUTHENTICATED (exit 4) without an
// operator, without a credential, or for a wrong, expired or revoked one.
inline StatusOr<Principal> Operator(Governance& g, const GovernFlags& f) {
  const std::string who = EnvOr(f.as, "CANDOR_USER");
  const std::string token = EnvOr("", "CANDOR_TOKEN");
  if (!token.empty()) {
    CANDOR_ASSIGN_OR_RETURN(Principal p, g.Authenticate(token));
    if (!who.empty() && who != p.username) {
      AuditEntry e;
      e.actor = who;
      e.action = "auth.local";
      e.decision = "deny";
      e.outcome = "refused";
      e.reason = "UNAUTHENTICATED: $CANDOR_TOKEN belongs to another account";
      CANDOR_RETURN_IF_ERROR(g.Audit(std::move(e)).status());
      return UnauthenticatedError("$CANDOR_TOKEN is not a token of '" + who + "'");
    }
    return p;
  }
  if (who.empty()) {
    return UnauthenticatedError(
        "no operator: pass --as USER (or set CANDOR_USER) with the account's password, or set "
        "CANDOR_TOKEN");
  }
  auto p = g.CheckPassword(who, OperatorPassword(who));
  if (!p.ok() && p.status().code() == Code::kUnauthenticated) {
    return UnauthenticatedError(p.status().message() +
                                " (the operator's password comes from CANDOR_PASSWORD or a "
                                "prompt on a terminal; or set CANDOR_TOKEN)");
  }
  return p;
}

// The steps that make credentials or approve (account create and token,
// authorization approve) need the store key besides the operator's own
// credential: the key (--key-file, $CANDOR_KEY_FILE, $CANDOR_KEY) must open the
// store (checked against its key check, read-only: a running server is not
// disturbed). A refusal is audited as `action` by `op`. UNAUTHENTICATED (exit
// 4) for a missing or wrong key; FAILED_PRECONDITION when the store holds no
// gallery database yet (bootstrap with --key-file, or create a gallery, first).
inline Status RequireStoreKey(Governance& g, const Principal& op, const GovernFlags& f,
                              const std::string& action) {
  Status s = [&]() -> Status {
    CANDOR_ASSIGN_OR_RETURN(std::filesystem::path dir, StoreDir(f));
    auto key = LoadStoreKey(f.key_file);
    if (!key.ok()) {
      return UnauthenticatedError(action + " needs the store key as well (--key-file, "
                                  "CANDOR_KEY_FILE or CANDOR_KEY): " + key.status().message());
    }
    StoreOptions o;
    o.master_key = *key;
    o.read_only = true;
    auto store = Store::Open(dir.string(), o);
    std::fill(o.master_key.begin(), o.master_key.end(), 0);
    std::fill(key->begin(), key->end(), 0);
    if (store.ok()) return OkStatus();
    if (store.status().code() == Code::kNotFound) {
      return FailedPreconditionError(action + " needs the store key, and " + dir.string() +
                                     " has no store to check it against yet: run `candor account "
                                     "bootstrap` with --key-file, or create a gallery, first");
    }
    return Status(store.status().code(), action + " needs the store key: " +
                                             store.status().message());
  }();
  if (s.ok()) return s;
  AuditEntry e;
  e.actor = op.username;
  e.role = std::string(RoleName(op.role));
  e.action = action;
  e.decision = "deny";
  e.outcome = "refused";
  e.reason = std::string(CodeName(s.code())) + ": " + s.message().substr(0, 300);
  CANDOR_RETURN_IF_ERROR(g.Audit(std::move(e)).status());
  return s;
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
