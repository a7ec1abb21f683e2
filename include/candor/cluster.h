// Copyright 2026 The Candor Authors.
//
// A sharded, replicated gallery on NATS JetStream (docs/CLUSTER.md).
//
//   front end   OpenClusterStore(): a candor::Store whose writes are published
//               to a JetStream stream (the enrollment log) and acknowledged
//               only after JetStream's publish ack, and whose searches are
//               scatter-gathered over the shards by NATS request/reply.
//   shard       ShardReplica: a durable JetStream consumer that applies its
//               shard's part of the log to a local gallery store (gallery.h)
//               and answers that shard's requests.
//
// Placement: a subject goes to shard ShardOf(gallery, subject_id, shards).
// Every message on the bus (log entries, requests, replies) is sealed with
// XChaCha20-Poly1305 under a bus key derived from the store key (crypto_kdf,
// context "cndrbus_"), its NATS subject as associated data: the bus and
// JetStream's files never carry plaintext templates, images or subject ids.
//
// Consistency: a front end waits, on every read, for the replica it asks to
// have applied everything that front end had acknowledged on that shard
// (read-your-writes; a deleted subject is never found again through the front
// end that deleted it). A search answers from every shard or fails with
// UNAVAILABLE (HTTP 503): never from part of the gallery.
//
// Errors: UNAVAILABLE when NATS or a shard (no replica answering in time) is
// unreachable; the store's own codes otherwise (NOT_FOUND, ALREADY_EXISTS,
// FAILED_PRECONDITION, INVALID_ARGUMENT).
// Thread safety: a cluster Store may be used from many threads; a ShardReplica
// runs on its own threads until Stop() or destruction.

#ifndef CANDOR_CLUSTER_H_
#define CANDOR_CLUSTER_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "candor/audit.h"
#include "candor/gallery.h"
#include "candor/status.h"

namespace candor {

struct ClusterOptions {
  std::vector<std::string> servers;  // NATS URLs, e.g. nats://127.0.0.1:4222
  int shards = 1;                    // N, fixed for the life of a cluster
  int replicas = 2;                  // replicas per shard (replica ids 0..replicas-1)
  std::string stream = "CANDOR";     // the enrollment log's stream name
  int stream_replicas = 3;           // JetStream replicas of the stream (1 on a 1-node server)
  int64_t request_timeout_ms = 2000; // deadline of one scatter-gather (all replicas tried)
  int64_t publish_timeout_ms = 5000; // wait for JetStream's publish ack
  std::string client_name = "candor";
  // The front end's audit log, replicated (OpenAuditStream): its stream and
  // this front end's log id in it (each front end its own, [A-Za-z0-9_-]{1,64}).
  std::string audit_stream = "CANDOR_AUDIT";
  std::string audit_log_id = "front-end";
};

// The shard of a subject: the first 8 bytes of SHA-256(gallery || 0x00 ||
// subject_id), read big-endian, modulo `shards`. Stable across processes,
// builds and machines (documented in docs/CLUSTER.md; not std::hash).
int ShardOf(std::string_view gallery, std::string_view subject_id, int shards);

// Creates the enrollment-log stream if it does not exist (file storage,
// `stream_replicas` replicas). Idempotent. UNAVAILABLE if NATS/JetStream is
// unreachable.
Status EnsureClusterStream(const ClusterOptions& options);

// The front end's Store. `key` is the store key every node shares (the bus
// key is derived from it). append_to_existing enrollments are UNIMPLEMENTED.
// Enroll with several requests acknowledges them one by one: on error, the
// requests before the failing one are durable (the message says how many).
StatusOr<std::unique_ptr<Store>> OpenClusterStore(const ClusterOptions& options,
                                                  const StoreKey& key);

// ---- The audit stream (docs/CLUSTER.md, "The audit log, replicated") ----
// Stream `audit_stream` (subjects candor.audit.>, file storage,
// `stream_replicas` replicas, deletion and purge denied); this front end's
// records on candor.audit.<audit_log_id>, one message per record (entry or
// checkpoint), its framed bytes exactly as in the audit file, header
// Candor-Audit-Record = its number. Records are not sealed: like the file they
// hold no biometric data, and an auditor verifies them with the audit public
// key alone (use NATS TLS off loopback).

// An AuditMirror (candor/audit.h) for AuditLogOptions::mirror: Append returns
// after JetStream's publish ack (a majority of the stream's replicas), each
// record published with the expected last sequence of the subject, so a
// second writer on the same log id is refused (FAILED_PRECONDITION), and a
// message id (log id + record number), so a retried record is stored once.
// Creates the stream if missing. UNAVAILABLE when JetStream is unreachable.
StatusOr<std::shared_ptr<AuditMirror>> OpenAuditStream(const ClusterOptions& options);

// Every record of `options.audit_log_id` in the stream, in order.
StatusOr<std::vector<std::string>> ReadAuditStream(const ClusterOptions& options);

struct AuditStreamCheck {
  AuditVerifyReport stream;     // the stream's records verified as a log
  uint64_t stream_records = 0;
  uint64_t file_records = 0;    // 0 when no file was given
  bool file_matches = false;    // every stream record equals the file's, none missing
  std::string problem;          // where the copies differ ("" when they match)
};
// Verifies the stream copy (chain, checksums, signed checkpoints, and the
// anchor if `anchor_path` is given) and, if `log_path` is non-empty, compares
// it record by record with the file: the same bytes (so the same hashes), none
// missing on either side.
StatusOr<AuditStreamCheck> VerifyAuditStream(const ClusterOptions& options,
                                             const std::vector<uint8_t>& public_key,
                                             const std::filesystem::path& log_path,
                                             const std::filesystem::path& anchor_path);

// Writes the stream's records to `log_path` (which must not exist) durably:
// the audit file as it was, for a front end that lost its disk.
// Returns the number of records written.
StatusOr<uint64_t> RecoverAuditLog(const ClusterOptions& options,
                                   const std::filesystem::path& log_path);

struct ShardReplicaOptions {
  ClusterOptions cluster;
  int shard = 0;
  int replica = 0;
  std::string store_dir;           // this replica's own gallery store
  StoreKey key{};
  std::string index_spec = "Flat,int8";
  // Start from an empty store_dir and re-read the whole log (the durable
  // consumer is deleted and re-created). FAILED_PRECONDITION if store_dir
  // already holds a store.
  bool rebuild = false;
  // Start from a snapshot (ShardReplica::Snapshot) of a replica of the same
  // shard: it is copied into the empty store_dir and only the log after the
  // snapshot's position is applied. FAILED_PRECONDITION if store_dir holds a
  // store, or the snapshot is of another shard, cluster size or stream (a
  // stream re-created since has other sequences).
  std::string snapshot;
};

class ShardReplica {
 public:
  // Opens the store, binds the durable consumer "shard<S>-r<R>", starts
  // applying the log and answering requests on "candor.q.<S>.<R>". Requests
  // are answered only once the replica has caught up with the log.
  static StatusOr<std::unique_ptr<ShardReplica>> Start(const ShardReplicaOptions& options);
  virtual ~ShardReplica() = default;

  // Stream sequence of the last log entry applied to the store.
  virtual uint64_t applied_seq() const = 0;
  // True once the backlog present at start has been applied.
  virtual bool caught_up() const = 0;
  // Log entries this process has applied since Start (a rebuild from a
  // snapshot applies only the tail).
  virtual uint64_t entries_applied() const = 0;
  // The replica's store (read it; do not write to it).
  virtual const Store& store() const = 0;
  // Copies the replica's store, as of a log position, into `dir` (created;
  // must not exist or be empty) and returns that position (a stream
  // sequence). Applying the log pauses while the files are copied; requests
  // are answered meanwhile. The copy is durable (fsync'ed) when this returns.
  virtual StatusOr<uint64_t> Snapshot(const std::string& dir) = 0;
  // Stops consuming and answering; idempotent. The store stays open until
  // destruction.
  virtual void Stop() = 0;
};

}  // namespace candor

#endif  // CANDOR_CLUSTER_H_
