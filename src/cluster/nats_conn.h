// Copyright 2026 The Candor Authors.
//
// A NATS connection with its JetStream context (libnats 3.4, the C client),
// owned RAII-style, and the conversions from natsStatus / jsErrCode to Status.
// The client reconnects forever (every 250 ms) across all the given servers,
// buffering up to 8 MiB of publishes while disconnected.
// Thread safety: natsConnection and jsCtx are thread-safe (libnats).

#ifndef CANDOR_CLUSTER_NATS_CONN_H_
#define CANDOR_CLUSTER_NATS_CONN_H_

#include <nats/nats.h>

#include <memory>
#include <string>

#include "candor/cluster.h"
#include "candor/status.h"

namespace candor::cluster {

// natsStatus -> Status: timeouts and lost connections are UNAVAILABLE.
Status NatsError(natsStatus s, const std::string& what, jsErrCode js = static_cast<jsErrCode>(0));

// True when a JetStream publish that failed with (s, js) may succeed if
// repeated with the same message id: no leader yet, a timeout, no responders,
// a lost connection.
bool PublishRetryable(natsStatus s, jsErrCode js);

class NatsConn {
 public:
  // `shared_delivery`: callbacks of all subscriptions run on libnats' shared
  // delivery threads instead of one thread per subscription (for the front
  // end's short-lived reply subscriptions; callbacks must not block).
  static StatusOr<std::unique_ptr<NatsConn>> Connect(const ClusterOptions& options,
                                                     bool shared_delivery = false);
  ~NatsConn();
  NatsConn(const NatsConn&) = delete;
  NatsConn& operator=(const NatsConn&) = delete;

  natsConnection* nc() const { return nc_; }
  jsCtx* js() const { return js_; }

 private:
  NatsConn() = default;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

// Creates the stream `cfg` describes unless it exists. Right after the NATS
// nodes start (no meta leader yet, a slow placement on a loaded host) the
// request times out: it is repeated for up to kStreamSetupWaitMs, so every
// process of a cluster started at once (scripts/cluster.sh) gets its stream.
inline constexpr int64_t kStreamSetupWaitMs = 30'000;
Status AddStreamIfMissing(NatsConn& conn, const jsStreamConfig& cfg, const std::string& what);

// Creates the stream of `options` if missing (subjects candor.e.> and candor.m.>).
Status EnsureStream(NatsConn& conn, const ClusterOptions& options);

// js_GetLastMsg for `subject` in `stream`, repeated every 100 ms for up to
// `wait_ms` while JetStream answers with a retryable error (PublishRetryable:
// a leader election after a node restarted gives "JetStream system
// temporarily unavailable", 10008, for a few seconds). Returns the last
// natsStatus; on NATS_OK `*out` is owned by the caller. `*jerr` is the last
// JetStream error code (0 if none). A missing message is returned at once.
natsStatus GetLastMsg(NatsConn& conn, const std::string& stream, const std::string& subject,
                      int64_t wait_ms, natsMsg** out, jsErrCode* jerr);

struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

}  // namespace candor::cluster

#endif  // CANDOR_CLUSTER_NATS_CONN_H_
