// Copyright 2026 The Candor Authors.
//
// The CLI's searches (identify, verify) take the same governed path as the
// server's (src/search_desk/search_desk.h): the local operator is a named
// account (--as / $CANDOR_USER), every 1:N search and every non-consent 1:1
// cites an authorization (--authorization), the policy decides, and allow and
// deny alike are written to the audit log of the store. There is no CLI path
// that searches without authorization and audit.
//
// Flags added: --as USER, --audit-key FILE (operator_gate.h), --authorization
// ID; the store directory is the one given by --store.
// Header-only; used only by the CLI.

#ifndef CANDOR_CLI_SEARCH_GATE_H_
#define CANDOR_CLI_SEARCH_GATE_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "candor/govern.h"
#include "cli/gallery_flags.h"
#include "cli/govern_flags.h"
#include "cli/operator_gate.h"
#include "common/hash.h"

namespace candor::cli {

struct SearchGateFlags {
  GovernFlags govern;         // --as, --audit-key (store: from StoreFlags)
  std::string authorization;  // --authorization
};

inline void AddSearchGateFlags(CLI::App& sub, SearchGateFlags* f) {
  AddOperatorFlags(sub, &f->govern);
  sub.add_option("--authorization", f->authorization,
                 "The authorization this search runs under (see `candor authorization`)");
}

// Governance of the store and the operator it acts for (operator_gate.h).
using SearchGate = OperatorGate;

inline StatusOr<SearchGate> OpenSearchGate(const SearchGateFlags& f, const StoreFlags& store) {
  return OpenOperatorGate(f.govern, store);
}

// Hex SHA-256 of the probe file's bytes: what the audit log records of a probe.
inline StatusOr<std::string> ProbeHash(const std::string& path) {
  CANDOR_ASSIGN_OR_RETURN(Sha256Digest d, Sha256File(path));
  return HexDigest(d);
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_SEARCH_GATE_H_
