// Copyright 2026 The Candor Authors.
//
// candor shard --nats URL,... --shards N --replicas R --shard S --replica R
//              --store DIR --key-file KEY [--rebuild]
// One shard replica of the cluster (docs/CLUSTER.md): applies its shard's
// part of the enrollment log to its own store and answers searches, until
// SIGINT / SIGTERM. Only with CANDOR_WITH_NATS.

#ifdef CANDOR_WITH_NATS
#include "cli/command.h"
#include "cluster/shard_flags.h"

namespace candor::cli {
namespace {

const bool kRegistered = RegisterCommand(
    {"shard", "One shard replica of a NATS JetStream cluster (docs/CLUSTER.md)",
     [](CLI::App& sub, const GlobalOptions&) -> RunFn {
       auto f = std::make_shared<cluster::ShardFlags>();
       cluster::AddShardFlags(sub, f.get());
       return [f] { return cluster::RunShard(*f); };
     }});

}  // namespace
}  // namespace candor::cli
#endif  // CANDOR_WITH_NATS
