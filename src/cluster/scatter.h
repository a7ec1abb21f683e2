// Copyright 2026 The Candor Authors.
//
// Scatter-gather over the shards (NATS request/reply with a deadline).
//
// Scatter sends one request to one replica of each listed shard (round robin
// over the replicas) and gathers the replies on a private inbox. The deadline
// is split evenly between a shard's replicas: a replica that does not answer
// within its share, that has no subscriber (NATS "no responders"), or that
// answers UNAVAILABLE (not caught up with the log) is replaced by the next
// replica of the shard. A shard whose replicas all fail gets UNAVAILABLE
// naming the replicas tried. Every request carries, per shard, the last log
// sequence the caller has acknowledged there, and replicas answer only once
// they have applied it.
// Thread safety: thread-safe (each call has its own inbox subscription).

#ifndef CANDOR_CLUSTER_SCATTER_H_
#define CANDOR_CLUSTER_SCATTER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "cluster/bus_codec.h"
#include "cluster/nats_conn.h"

namespace candor::cluster {

struct ScatterTarget {
  int shard = 0;
  uint64_t min_seq = 0;  // the replica must have applied the log up to here
};

// Result i answers targets[i]: the reply body, or the replica's error, or
// UNAVAILABLE if no replica of that shard answered in time.
std::vector<StatusOr<Json>> Scatter(NatsConn& conn, const gallery::Key& bus,
                                    const ClusterOptions& options,
                                    const std::vector<ScatterTarget>& targets, const Json& request,
                                    uint32_t round_robin);

}  // namespace candor::cluster

#endif  // CANDOR_CLUSTER_SCATTER_H_
