// Copyright 2026 The Candor Authors.
//
// The named local operator of a CLI command that touches biometric data or
// galleries (enroll, delete, gallery create, and the searches through
// search_gate.h), and the audit entries such a command writes, as the
// server's routes do (src/server/routes_accounts.cc): the operator is an
// account (--as / $CANDOR_USER with its password, or $CANDOR_TOKEN; see
// Operator in govern_flags.h) whose role the command checks; a refusal (no
// operator, no or a wrong credential, wrong role, unknown gallery, ...) and
// every completed action are appended to the store's audit log.
//
// Flags added by AddOperatorFlags: --as USER, --audit-key FILE (the store
// directory is the one given by --store; see govern_flags.h).
// Errors: UNAUTHENTICATED (exit 4) without an operator or for an unknown one,
// PERMISSION_DENIED (exit 4) for a disabled account or the wrong role; a bad
// audit key's error. If an action's audit entry cannot be written, that error
// is returned. Header-only; used only by the CLI; not thread-safe (one per
// command run).

#ifndef CANDOR_CLI_OPERATOR_GATE_H_
#define CANDOR_CLI_OPERATOR_GATE_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "candor/govern.h"
#include "cli/gallery_flags.h"
#include "cli/govern_flags.h"

namespace candor::cli {

inline void AddOperatorFlags(CLI::App& sub, GovernFlags* f) {
  sub.add_option("--as", f->as,
                 "Act as this account (default $CANDOR_USER); its password comes from "
                 "$CANDOR_PASSWORD or a prompt, or use an API token in $CANDOR_TOKEN");
  sub.add_option("--audit-key", f->audit_key,
                 "Audit signing key (default $CANDOR_AUDIT_KEY, else <store>/audit_ed25519.key)");
}

// Governance of the store and the operator it acts for.
struct OperatorGate {
  std::unique_ptr<Governance> governance;
  Principal operator_principal;
};

// Opens the store's governance and resolves the operator (UNAUTHENTICATED
// "no operator: pass --as USER ..." when neither --as nor $CANDOR_USER is set).
inline StatusOr<OperatorGate> OpenOperatorGate(const GovernFlags& f, const StoreFlags& store) {
  GovernFlags g = f;
  g.store = store.store;
  OperatorGate gate;
  CANDOR_ASSIGN_OR_RETURN(gate.governance, OpenGovernance(g));
  CANDOR_ASSIGN_OR_RETURN(gate.operator_principal, Operator(*gate.governance, g));
  return gate;
}

// Appends one entry for `action` on `gallery` by the gate's operator:
// result OK -> decision "allow", outcome "ok", reason `detail`; otherwise
// decision "deny", outcome "refused", reason `detail` and the error's message
// (as the server's refusals, src/server/routes_common.cc). Returns the
// audit error for an OK result whose entry cannot be written, else `result`.
inline Status AuditAction(OperatorGate& gate, const std::string& action, const std::string& gallery,
                          const Status& result, const std::string& detail) {
  const bool named = !gate.operator_principal.username.empty();
  AuditEntry e;
  e.actor = named ? gate.operator_principal.username : "-";
  e.role = named ? std::string(RoleName(gate.operator_principal.role)) : "";
  e.action = action;
  e.gallery = gallery;
  e.decision = result.ok() ? "allow" : "deny";
  e.outcome = result.ok() ? "ok" : "refused";
  e.reason = result.ok() ? detail
                         : detail + (detail.empty() ? "" : "; ") + result.message().substr(0, 300);
  auto seq = gate.governance->Audit(std::move(e));
  if (!result.ok()) return result;
  if (!seq.ok()) return seq.status().WithContext("audit entry for " + action);
  return OkStatus();
}

// Opens the gate and checks the operator's role for `action`. A refusal after
// governance is open (unknown operator, wrong role) is audited; an unknown
// or disabled account is audited by Governance itself.
inline StatusOr<OperatorGate> OpenOperatorGateFor(const GovernFlags& f, const StoreFlags& store,
                                                  std::initializer_list<Role> roles,
                                                  const std::string& action,
                                                  const std::string& gallery) {
  if (!HasOperator(f)) {
    GovernFlags g = f;
    g.store = store.store;
    OperatorGate anonymous;  // no principal: audited as actor "-"
    CANDOR_ASSIGN_OR_RETURN(anonymous.governance, OpenGovernance(g));
    return AuditAction(anonymous, action, gallery,
                       UnauthenticatedError("no operator: " + action +
                                            " needs a named account; pass --as USER (or set "
                                            "CANDOR_USER) with its password, or set "
                                            "CANDOR_TOKEN"),
                       "");
  }
  CANDOR_ASSIGN_OR_RETURN(OperatorGate gate, OpenOperatorGate(f, store));
  std::string names;
  for (Role r : roles) {
    if (gate.operator_principal.role == r) return gate;
    names += (names.empty() ? "" : " or ") + std::string(RoleName(r));
  }
  return AuditAction(gate, action, gallery,
                     PermissionDeniedError(action + " needs role " + names + "; '" +
                                           gate.operator_principal.username + "' is " +
                                           std::string(RoleName(gate.operator_principal.role))),
                     "");
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_OPERATOR_GATE_H_
