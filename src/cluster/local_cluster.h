// Copyright 2026 The Candor Authors.
//
// Test and benchmark helper: a whole cluster on this host. A NatsTestCluster
// (real nats-server processes), the ClusterOptions that point at it, the
// shards' replicas in this process (ShardReplica, each with its own store in
// <dir>/shard<S>-r<R>), and the front end's Store (OpenClusterStore). One
// start-up for the cluster tests and bench/cluster_bench.
// Destruction: the front end, then the replicas, then the NATS processes.
// Not thread-safe.

#ifndef CANDOR_CLUSTER_LOCAL_CLUSTER_H_
#define CANDOR_CLUSTER_LOCAL_CLUSTER_H_

#include <nats/nats.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "candor/cluster.h"
#include "cluster/nats_test_cluster.h"

namespace candor::cluster::testing {

class LocalCluster {
 public:
  struct Spec {
    int nats_nodes = 1;       // 1, or 3 for a JetStream cluster
    int shards = 2;
    int replicas = 2;         // per shard
    int stream_replicas = 1;  // JetStream replicas of the log (<= nats_nodes)
    int64_t request_timeout_ms = 1000;
    std::string index_spec = "Flat,int8";
    bool start_replicas = true;  // false: start them later with StartReplica
  };

  // NOT_FOUND when nats-server is not installed (tests skip on it).
  static StatusOr<std::unique_ptr<LocalCluster>> Start(const Spec& spec, const std::string& dir,
                                                       const StoreKey& key);
  ~LocalCluster();

  NatsTestCluster& nats() { return *nats_; }
  const ClusterOptions& options() const { return options_; }
  Store& front() { return *front_; }
  std::unique_ptr<ShardReplica>& replica(int s, int r) {
    return replicas_[static_cast<size_t>(s * spec_.replicas + r)];
  }
  std::string ReplicaDir(int s, int r) const;

  // Starts replica (s, r) in this process (replacing the one in its slot);
  // `tweak` may change its options (another store directory, rebuild, a
  // snapshot to start from).
  Status StartReplica(int s, int r,
                      const std::function<void(ShardReplicaOptions&)>& tweak = nullptr);

 private:
  Spec spec_;
  std::string dir_;
  StoreKey key_{};
  std::unique_ptr<NatsTestCluster> nats_;
  ClusterOptions options_;
  std::vector<std::unique_ptr<ShardReplica>> replicas_;
  std::unique_ptr<Store> front_;
};

// Counts the requests sent to the shards (subjects candor.q.>) through its
// own connection to `url`: how many fan-outs a front-end call made.
class RequestCounter {
 public:
  explicit RequestCounter(const std::string& url);
  ~RequestCounter();
  RequestCounter(const RequestCounter&) = delete;
  RequestCounter& operator=(const RequestCounter&) = delete;
  bool ok() const { return ok_; }
  // The requests delivered since the last call (waits until none has come
  // for 300 ms).
  int Take();

 private:
  natsConnection* nc_ = nullptr;
  natsSubscription* sub_ = nullptr;
  bool ok_ = false;
};

}  // namespace candor::cluster::testing

#endif  // CANDOR_CLUSTER_LOCAL_CLUSTER_H_
