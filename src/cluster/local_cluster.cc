// Copyright 2026 The Candor Authors.

#include "cluster/local_cluster.h"

namespace candor::cluster::testing {

StatusOr<std::unique_ptr<LocalCluster>> LocalCluster::Start(const Spec& spec,
                                                            const std::string& dir,
                                                            const StoreKey& key) {
  auto c = std::unique_ptr<LocalCluster>(new LocalCluster());
  c->spec_ = spec;
  c->dir_ = dir;
  c->key_ = key;
  CANDOR_ASSIGN_OR_RETURN(c->nats_, NatsTestCluster::Start(spec.nats_nodes, dir + "/nats"));
  c->options_.servers = c->nats_->urls();
  c->options_.shards = spec.shards;
  c->options_.replicas = spec.replicas;
  c->options_.stream_replicas = spec.stream_replicas;
  c->options_.request_timeout_ms = spec.request_timeout_ms;
  c->replicas_.resize(static_cast<size_t>(spec.shards * spec.replicas));
  if (spec.start_replicas) {
    for (int s = 0; s < spec.shards; ++s) {
      for (int r = 0; r < spec.replicas; ++r) CANDOR_RETURN_IF_ERROR(c->StartReplica(s, r));
    }
  }
  CANDOR_ASSIGN_OR_RETURN(c->front_, OpenClusterStore(c->options_, key));
  return c;
}

LocalCluster::~LocalCluster() {
  front_.reset();
  replicas_.clear();
  nats_.reset();
}

std::string LocalCluster::ReplicaDir(int s, int r) const {
  return dir_ + "/shard" + std::to_string(s) + "-r" + std::to_string(r);
}

Status LocalCluster::StartReplica(int s, int r,
                                  const std::function<void(ShardReplicaOptions&)>& tweak) {
  ShardReplicaOptions o;
  o.cluster = options_;
  o.shard = s;
  o.replica = r;
  o.store_dir = ReplicaDir(s, r);
  o.key = key_;
  o.index_spec = spec_.index_spec;
  if (tweak) tweak(o);
  replica(s, r).reset();
  CANDOR_ASSIGN_OR_RETURN(replica(s, r), ShardReplica::Start(o));
  return OkStatus();
}

RequestCounter::RequestCounter(const std::string& url) {
  ok_ = natsConnection_ConnectTo(&nc_, url.c_str()) == NATS_OK &&
        natsConnection_SubscribeSync(&sub_, nc_, "candor.q.>") == NATS_OK &&
        natsConnection_Flush(nc_) == NATS_OK;
}

RequestCounter::~RequestCounter() {
  natsSubscription_Destroy(sub_);
  natsConnection_Destroy(nc_);
}

int RequestCounter::Take() {
  int n = 0;
  natsMsg* m = nullptr;
  while (natsSubscription_NextMsg(&m, sub_, 300) == NATS_OK) {
    ++n;
    natsMsg_Destroy(m);
  }
  return n;
}

}  // namespace candor::cluster::testing
