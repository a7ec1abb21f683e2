// Copyright 2026 The Candor Authors.
//
// candor audit verify|keygen
//   verify --log FILE --public-key FILE [--anchor FILE]
//          (or --store DIR: <store>/audit.log, its .anchor, and the key's .pub)
//          Exits 0 when the chain, checksums, signed checkpoints and anchor all
//          verify; otherwise exits 6 (DATA_LOSS) and says where the chain breaks.
//   keygen --secret FILE [--public FILE]   a new Ed25519 audit key pair

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/govern_flags.h"

namespace candor::cli {
namespace {

struct Args {
  GovernFlags gov;
  std::string log, public_key, anchor, secret_out, public_out;
  bool no_anchor = false;
  CLI::App *verify = nullptr, *keygen = nullptr;
};

Status Verify(const Args& a, const GlobalOptions& global) {
  std::filesystem::path log = a.log, pub = a.public_key, anchor = a.anchor;
  if (log.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::filesystem::path dir, StoreDir(a.gov));
    log = dir / "audit.log";
  }
  if (pub.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::filesystem::path key, AuditKeyPath(a.gov));
    pub = key.string() + ".pub";
  }
  if (anchor.empty() && !a.no_anchor) anchor = log.string() + ".anchor";
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> key, ReadAuditPublicKey(pub));
  CANDOR_ASSIGN_OR_RETURN(AuditVerifyReport r, VerifyAuditLog(log, key, anchor));
  if (global.json) {
    std::cout << nlohmann::json{{"ok", r.ok},
                                {"entries", r.entries},
                                {"checkpoints", r.checkpoints},
                                {"break_seq", r.break_seq},
                                {"break_offset", r.break_offset},
                                {"problem", r.problem},
                                {"head", r.head_hex}}
                     .dump(2)
              << std::endl;
  } else if (r.ok) {
    std::cout << "audit log " << log.string() << " verifies: " << r.entries << " entries, "
              << r.checkpoints << " signed checkpoints, head " << r.head_hex
              << (r.problem.empty() ? "" : "\nnote: " + r.problem) << std::endl;
  }
  if (!r.ok) {
    return DataLossError("audit log " + log.string() + " FAILS verification at entry seq " +
                         std::to_string(r.break_seq) + " (byte " + std::to_string(r.break_offset) +
                         "): " + r.problem);
  }
  return OkStatus();
}

Status Keygen(const Args& a) {
  std::string pub = a.public_out.empty() ? a.secret_out + ".pub" : a.public_out;
  CANDOR_RETURN_IF_ERROR(WriteAuditKey(GenerateAuditKey(), a.secret_out, pub));
  std::cout << "wrote audit signing key " << a.secret_out << " (keep it off the store's disk) and "
            << "public key " << pub << " (give it to auditors)" << std::endl;
  return OkStatus();
}

const bool kRegistered = RegisterCommand(
    {"audit", "Verify the tamper-evident audit log; make audit signing keys",
     [](CLI::App& sub, const GlobalOptions& global) -> RunFn {
       auto a = std::make_shared<Args>();
       sub.require_subcommand(1);
       a->verify = sub.add_subcommand("verify",
                                      "Check the hash chain, checksums, signed checkpoints "
                                      "and anchor; exit 6 and say where it breaks");
       AddGovernFlags(*a->verify, &a->gov, /*with_as=*/false);
       a->verify->add_option("--log", a->log, "Audit log file (default <store>/audit.log)");
       a->verify->add_option("--public-key", a->public_key,
                             "Auditor's public key file (default <audit-key>.pub)");
       a->verify->add_option("--anchor", a->anchor,
                             "Signed anchor kept off the machine (default <log>.anchor)");
       a->verify->add_flag("--no-anchor", a->no_anchor, "Verify without an anchor");
       a->keygen = sub.add_subcommand("keygen", "Make a new Ed25519 audit key pair");
       a->keygen->add_option("--secret", a->secret_out, "Secret key file (mode 0600)")->required();
       a->keygen->add_option("--public", a->public_out, "Public key file (default <secret>.pub)");
       return [a, &global]() -> Status {
         if (a->keygen->parsed()) return Keygen(*a);
         return Verify(*a, global);
       };
     }});

}  // namespace
}  // namespace candor::cli
