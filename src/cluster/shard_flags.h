// Copyright 2026 The Candor Authors.
//
// The flags and body of a shard replica process: `candor shard` and the
// standalone `candor_shard` (which the fault tests spawn and SIGKILL) share
// them. RunShard starts a ShardReplica and serves until SIGINT / SIGTERM.

#ifndef CANDOR_CLUSTER_SHARD_FLAGS_H_
#define CANDOR_CLUSTER_SHARD_FLAGS_H_

#include <CLI/CLI.hpp>
#include <string>

#include "candor/cluster.h"
#include "candor/status.h"

namespace candor::cluster {

struct ShardFlags {
  std::string nats = "nats://127.0.0.1:4222";  // comma-separated URLs
  ClusterOptions cluster;
  int shard = 0;
  int replica = 0;
  std::string store, key_file;
  std::string index_spec = "Flat,int8";
  bool rebuild = false;
  std::string from_snapshot;  // restore this snapshot into an empty --store first
  std::string snapshot_dir;   // take snapshots into <dir>/<sequence> ...
  int snapshot_every_s = 0;   // ... this often (0 = never); the newest two are kept
};

// --nats, --shards, --replicas, --stream, --stream-replicas, --timeout-ms
// (shared with `candor serve --cluster`).
void AddClusterFlags(CLI::App& app, std::string* nats, ClusterOptions* c);
// The NATS URLs of a comma-separated list; INVALID_ARGUMENT if empty.
// --audit-stream, --audit-log-id (the front end's replicated audit log).
void AddAuditStreamFlags(CLI::App& app, ClusterOptions* c);
StatusOr<std::vector<std::string>> ParseNatsUrls(const std::string& list);

void AddShardFlags(CLI::App& app, ShardFlags* f);
Status RunShard(const ShardFlags& f);

}  // namespace candor::cluster

#endif  // CANDOR_CLUSTER_SHARD_FLAGS_H_
