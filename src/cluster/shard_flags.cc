// Copyright 2026 The Candor Authors.

#include "cluster/shard_flags.h"

#include <signal.h>

#include <iostream>

#include "candor/gallery.h"

namespace candor::cluster {

void AddClusterFlags(CLI::App& app, std::string* nats, ClusterOptions* c) {
  app.add_option("--nats", *nats, "NATS server URLs, comma-separated");
  app.add_option("--shards", c->shards, "Number of shards in the cluster")->check(CLI::Range(1, 4096));
  app.add_option("--replicas", c->replicas, "Replicas per shard")->check(CLI::Range(1, 16));
  app.add_option("--stream", c->stream, "The enrollment log's JetStream stream");
  app.add_option("--stream-replicas", c->stream_replicas, "JetStream replicas of the stream")
      ->check(CLI::Range(1, 5));
  app.add_option("--timeout-ms", c->request_timeout_ms, "Deadline of a scatter-gather request")
      ->check(CLI::Range(10, 600'000));
}

StatusOr<std::vector<std::string>> ParseNatsUrls(const std::string& list) {
  std::vector<std::string> out;
  size_t b = 0;
  while (b <= list.size()) {
    size_t e = list.find(',', b);
    if (e == std::string::npos) e = list.size();
    if (e > b) out.push_back(list.substr(b, e - b));
    b = e + 1;
  }
  if (out.empty()) return InvalidArgumentError("--nats needs at least one URL");
  return out;
}

void AddShardFlags(CLI::App& app, ShardFlags* f) {
  AddClusterFlags(app, &f->nats, &f->cluster);
  app.add_option("--shard", f->shard, "This replica's shard (0-based)")->required();
  app.add_option("--replica", f->replica, "This replica's number within its shard (0-based)")
      ->required();
  app.add_option("--store", f->store, "This replica's own store directory")->required();
  app.add_option("--key-file", f->key_file,
                 "The store key (the same on every node; default $CANDOR_KEY_FILE)");
  app.add_option("--index", f->index_spec, "Search index spec (candor/index.h)");
  app.add_flag("--rebuild", f->rebuild,
               "Rebuild this replica from the whole log into an empty --store");
}

Status RunShard(const ShardFlags& f) {
  ShardReplicaOptions o;
  o.cluster = f.cluster;
  CANDOR_ASSIGN_OR_RETURN(o.cluster.servers, ParseNatsUrls(f.nats));
  o.shard = f.shard;
  o.replica = f.replica;
  o.store_dir = f.store;
  o.index_spec = f.index_spec;
  o.rebuild = f.rebuild;
  CANDOR_ASSIGN_OR_RETURN(o.key, LoadStoreKey(f.key_file));
  // Block the stop signals in every thread (libnats threads inherit the
  // mask), then wait for one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto replica = ShardReplica::Start(o);
  std::fill(o.key.begin(), o.key.end(), 0);
  if (!replica.ok()) return replica.status();
  std::cout << "candor shard " << f.shard << " replica " << f.replica << ": running (store "
            << f.store << ")" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  (*replica)->Stop();
  return OkStatus();
}

}  // namespace candor::cluster
