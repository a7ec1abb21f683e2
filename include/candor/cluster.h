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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  // The replica's store (read it; do not write to it).
  virtual const Store& store() const = 0;
  // Stops consuming and answering; idempotent. The store stays open until
  // destruction.
  virtual void Stop() = 0;
};

}  // namespace candor

#endif  // CANDOR_CLUSTER_H_
