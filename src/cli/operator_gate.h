// Copyright 2026 The Candor Authors.
//
// The named local operator of a CLI command that touches biometric data (the
// searches through search_gate.h): an account (--as / $CANDOR_USER).
//
// Flags added by AddOperatorFlags: --as USER, --audit-key FILE (the store
// directory is the one given by --store; see govern_flags.h).
// Errors: UNAUTHENTICATED (exit 4) without an operator or for an unknown one,
// PERMISSION_DENIED (exit 4) for a disabled account; a bad audit key's error.
// Header-only; used only by the CLI; not thread-safe (one per command run).

#ifndef CANDOR_CLI_OPERATOR_GATE_H_
#define CANDOR_CLI_OPERATOR_GATE_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "candor/govern.h"
#include "cli/gallery_flags.h"
#include "cli/govern_flags.h"

namespace candor::cli {

inline void AddOperatorFlags(CLI::App& sub, GovernFlags* f) {
  sub.add_option("--as", f->as, "Act as this account (default $CANDOR_USER)");
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

}  // namespace candor::cli

#endif  // CANDOR_CLI_OPERATOR_GATE_H_
