// Copyright 2026 The Candor Authors.
//
// `candor serve --nats URL,... --shards N --replicas R`: the service's store
// is the cluster's (src/cluster, docs/CLUSTER.md) instead of the local one.
// Without CANDOR_WITH_NATS the flags are absent and the local store is used.
// Header-only; CLI-only.

#ifndef CANDOR_CLI_CLUSTER_FRONT_H_
#define CANDOR_CLI_CLUSTER_FRONT_H_

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "candor/gallery.h"
#include "cli/gallery_flags.h"
#include "cli/serve_runner.h"
#ifdef CANDOR_WITH_NATS
#include "cluster/shard_flags.h"
#endif

namespace candor::cli {

inline void AddClusterFrontFlags(CLI::App& sub, ServeConfig* c) {
#ifdef CANDOR_WITH_NATS
  cluster::AddClusterFlags(sub, &c->nats, &c->cluster);
  // `serve` has no default NATS URL: without --nats it serves the local store.
  c->nats.clear();
  cluster::AddAuditStreamFlags(sub, &c->cluster);
#endif
}

// With --nats, the audit stream that mirrors the front end's audit log
// (candor/cluster.h OpenAuditStream); without, none (nullptr).
inline StatusOr<std::shared_ptr<AuditMirror>> OpenServedAuditMirror(const ServeConfig& c) {
#ifdef CANDOR_WITH_NATS
  if (!c.nats.empty()) {
    ClusterOptions o = c.cluster;
    CANDOR_ASSIGN_OR_RETURN(o.servers, cluster::ParseNatsUrls(c.nats));
    o.client_name = "candor-serve-audit";
    return OpenAuditStream(o);
  }
#endif
  return std::shared_ptr<AuditMirror>();
}

// The local store, or with --nats the cluster front end (the local store
// directory is then created for governance, the audit log and probes only).
inline StatusOr<std::unique_ptr<Store>> OpenServedStore(const ServeConfig& c) {
#ifdef CANDOR_WITH_NATS
  if (!c.nats.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::string dir, DefaultStoreDir(c.store.store));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    ClusterOptions o = c.cluster;
    CANDOR_ASSIGN_OR_RETURN(o.servers, cluster::ParseNatsUrls(c.nats));
    o.client_name = "candor-serve";
    CANDOR_ASSIGN_OR_RETURN(StoreKey key, LoadStoreKey(c.store.key_file));
    auto store = OpenClusterStore(o, key);
    std::fill(key.begin(), key.end(), 0);
    return store;
  }
#endif
  return OpenStore(c.store, /*create=*/true, /*read_only=*/false);
}

}  // namespace candor::cli

#endif  // CANDOR_CLI_CLUSTER_FRONT_H_
