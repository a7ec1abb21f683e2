// Copyright 2026 The Candor Authors.
//
// candor audit verify|keygen
//   verify --log FILE --public-key FILE [--anchor FILE]
//          (or --store DIR: <store>/audit.log, its .anchor, and the key's .pub)
//          Exits 0 when the chain, checksums, signed checkpoints and anchor all
//          verify; otherwise exits 6 (DATA_LOSS) and says where the chain breaks.
//          With --nats URLS (a cluster front end's log): also verifies the
//          copy in the JetStream audit stream and that it holds the file's
//          records byte for byte, none missing on either side.
//   recover --nats URLS --log NEW_FILE   writes the stream's copy to a file
//          (a front end that lost its disk), then verifies it
//   keygen --secret FILE [--public FILE]   a new Ed25519 audit key pair

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/govern_flags.h"
#ifdef CANDOR_WITH_NATS
#include "candor/cluster.h"
#include "cluster/shard_flags.h"
#endif

namespace candor::cli {
namespace {

#ifdef CANDOR_WITH_NATS
using ClusterOptionsForAudit = ClusterOptions;
#else
struct ClusterOptionsForAudit {};
#endif

struct Args {
  GovernFlags gov;
  std::string log, public_key, anchor, secret_out, public_out;
  bool no_anchor = false;
  std::string nats;  // with CANDOR_WITH_NATS: the cluster's audit stream
  ClusterOptionsForAudit cluster;
  CLI::App *verify = nullptr, *keygen = nullptr, *recover = nullptr;
};

#ifdef CANDOR_WITH_NATS
// The stream copy against the file (if it exists); prints and returns the
// failure, if any.
Status VerifyStreamCopy(const Args& a, const std::filesystem::path& log,
                        const std::filesystem::path& anchor, const std::vector<uint8_t>& key,
                        bool file_exists, const GlobalOptions& global) {
  ClusterOptions o = a.cluster;
  CANDOR_ASSIGN_OR_RETURN(o.servers, cluster::ParseNatsUrls(a.nats));
  o.client_name = "candor-audit-verify";
  std::error_code ec;
  const bool anchor_exists = !anchor.empty() && std::filesystem::exists(anchor, ec);
  CANDOR_ASSIGN_OR_RETURN(AuditStreamCheck c,
                          VerifyAuditStream(o, key, file_exists ? log : std::filesystem::path(),
                                            anchor_exists ? anchor : std::filesystem::path()));
  const std::string where = "audit stream " + o.audit_stream + " log '" + o.audit_log_id + "'";
  if (global.json) {
    std::cout << nlohmann::json{{"stream_ok", c.stream.ok},
                                {"stream_records", c.stream_records},
                                {"stream_entries", c.stream.entries},
                                {"stream_problem", c.stream.problem},
                                {"stream_head", c.stream.head_hex},
                                {"file_records", c.file_records},
                                {"file_matches", c.file_matches},
                                {"comparison_problem", c.problem}}
                     .dump(2)
              << std::endl;
  } else if (c.stream.ok) {
    std::cout << where << " verifies: " << c.stream_records << " records, " << c.stream.entries
              << " entries, " << c.stream.checkpoints << " signed checkpoints, head "
              << c.stream.head_hex << std::endl;
    if (c.file_matches) {
      std::cout << "the file and the stream hold the same " << c.stream_records << " records"
                << std::endl;
    }
  }
  if (!c.stream.ok) {
    return DataLossError(where + " FAILS verification at entry seq " +
                         std::to_string(c.stream.break_seq) + ": " + c.stream.problem);
  }
  if (!file_exists) {
    return DataLossError("audit log " + log.string() + " is missing; its copy in the " + where +
                         " verifies: restore it with `candor audit recover --nats ... --log " +
                         log.string() + "`");
  }
  if (!c.file_matches) return DataLossError("the file and the " + where + " differ: " + c.problem);
  return OkStatus();
}

Status Recover(const Args& a) {
  if (a.nats.empty()) return InvalidArgumentError("recover needs --nats");
  if (a.log.empty()) return InvalidArgumentError("recover needs --log NEW_FILE");
  ClusterOptions o = a.cluster;
  CANDOR_ASSIGN_OR_RETURN(o.servers, cluster::ParseNatsUrls(a.nats));
  o.client_name = "candor-audit-recover";
  CANDOR_ASSIGN_OR_RETURN(uint64_t n, RecoverAuditLog(o, a.log));
  std::cout << "wrote " << n << " records of audit log '" << o.audit_log_id << "' from stream "
            << o.audit_stream << " to " << a.log
            << "; check it with `candor audit verify --log " << a.log << " --no-anchor`"
            << std::endl;
  return OkStatus();
}
#endif

Status VerifyFile(const std::filesystem::path& log, const std::filesystem::path& anchor,
                  const std::vector<uint8_t>& key, const GlobalOptions& global);

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
#ifdef CANDOR_WITH_NATS
  if (!a.nats.empty()) {
    std::error_code ec;
    const bool file_exists = std::filesystem::exists(log, ec);
    if (file_exists) CANDOR_RETURN_IF_ERROR(VerifyFile(log, anchor, key, global));
    return VerifyStreamCopy(a, log, anchor, key, file_exists, global);
  }
#endif
  return VerifyFile(log, anchor, key, global);
}

Status VerifyFile(const std::filesystem::path& log, const std::filesystem::path& anchor,
                  const std::vector<uint8_t>& key, const GlobalOptions& global) {
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
#ifdef CANDOR_WITH_NATS
       a->verify->add_option("--nats", a->nats,
                             "Also verify the copy in the cluster's audit stream (NATS URLs)");
       cluster::AddAuditStreamFlags(*a->verify, &a->cluster);
       a->recover = sub.add_subcommand(
           "recover", "Write a front end's audit log back from the cluster's audit stream");
       a->recover->add_option("--nats", a->nats, "NATS server URLs, comma-separated")->required();
       a->recover->add_option("--log", a->log, "The file to write (must not exist)")->required();
       cluster::AddAuditStreamFlags(*a->recover, &a->cluster);
#endif
       a->keygen = sub.add_subcommand("keygen", "Make a new Ed25519 audit key pair");
       a->keygen->add_option("--secret", a->secret_out, "Secret key file (mode 0600)")->required();
       a->keygen->add_option("--public", a->public_out, "Public key file (default <secret>.pub)");
       return [a, &global]() -> Status {
         if (a->keygen->parsed()) return Keygen(*a);
#ifdef CANDOR_WITH_NATS
         if (a->recover->parsed()) return Recover(*a);
#endif
         return Verify(*a, global);
       };
     }});

}  // namespace
}  // namespace candor::cli
