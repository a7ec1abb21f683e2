// Copyright 2026 The Candor Authors.

#include "cluster/nats_conn.h"

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace candor::cluster {
namespace {

Status InitNats() {
  static natsStatus s = nats_Open(-1);
  if (s != NATS_OK) return InternalError("libnats failed to initialise");
  return OkStatus();
}

struct OptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};

}  // namespace

Status NatsError(natsStatus s, const std::string& what, jsErrCode js) {
  std::string msg = what + ": " + natsStatus_GetText(s);
  if (js != 0) msg += " (JetStream error " + std::to_string(static_cast<int>(js)) + ")";
  switch (s) {
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_SLOW_CONSUMER:
      return UnavailableError(msg);
    case NATS_MAX_PAYLOAD:
      return ResourceExhaustedError(msg);
    case NATS_NOT_FOUND:
      return NotFoundError(msg);
    default:
      if (js == JSClusterNotAvailErr || js == JSClusterNoPeersErr ||
          js == JSInsufficientResourcesErr) {
        return UnavailableError(msg);
      }
      return InternalError(msg);
  }
}

bool PublishRetryable(natsStatus s, jsErrCode js) {
  return NatsError(s, "", js).code() == Code::kUnavailable || js == JSClusterNotAvailErr ||
         s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT;
}

StatusOr<std::unique_ptr<NatsConn>> NatsConn::Connect(const ClusterOptions& o,
                                                      bool shared_delivery) {
  CANDOR_RETURN_IF_ERROR(InitNats());
  if (o.servers.empty()) return InvalidArgumentError("no NATS server given");
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) return InternalError("natsOptions_Create failed");
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
  std::vector<const char*> urls;
  for (const std::string& s : o.servers) urls.push_back(s.c_str());
  natsStatus s = natsOptions_SetServers(opts.get(), urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), o.client_name.c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), 250);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts.get(), 8 << 20);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), 2000);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts.get(), 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts.get(), 2);
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(opts.get(), false);
  if (s == NATS_OK) s = natsOptions_UseGlobalMessageDelivery(opts.get(), shared_delivery);
  if (s != NATS_OK) return NatsError(s, "NATS options");
  std::unique_ptr<NatsConn> c(new NatsConn());
  s = natsConnection_Connect(&c->nc_, opts.get());
  if (s != NATS_OK) return NatsError(s, "cannot connect to NATS at " + o.servers.front());
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = o.publish_timeout_ms;
  s = natsConnection_JetStream(&c->js_, c->nc_, &jo);
  if (s != NATS_OK) return NatsError(s, "JetStream context");
  return c;
}

NatsConn::~NatsConn() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
}

Status AddStreamIfMissing(NatsConn& conn, const jsStreamConfig& cfg, const std::string& what) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(kStreamSetupWaitMs);
  while (true) {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, conn.js(), cfg.Name, nullptr, &jerr);
    if (s == NATS_OK) {
      jsStreamInfo_Destroy(si);
      return OkStatus();
    }
    jerr = static_cast<jsErrCode>(0);
    s = js_AddStream(&si, conn.js(), const_cast<jsStreamConfig*>(&cfg), nullptr, &jerr);
    if (s == NATS_OK) {
      jsStreamInfo_Destroy(si);
      return OkStatus();
    }
    if (jerr == JSStreamNameExistErr) return OkStatus();  // created by another process meanwhile
    // Right after start-up JetStream may have no meta leader yet, or be slow
    // to place an R3 stream on a loaded host: ask again (the create may have
    // gone through; the next look finds it).
    if (!PublishRetryable(s, jerr) || Clock::now() >= deadline) {
      return NatsError(s, "cannot create " + what, jerr);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

natsStatus GetLastMsg(NatsConn& conn, const std::string& stream, const std::string& subject,
                      int64_t wait_ms, natsMsg** out, jsErrCode* jerr) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  while (true) {
    *jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetLastMsg(out, conn.js(), stream.c_str(), subject.c_str(), nullptr, jerr);
    if (s == NATS_OK || *jerr == JSNoMessageFoundErr || s == NATS_NOT_FOUND) return s;
    if (!PublishRetryable(s, *jerr) || Clock::now() >= deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status EnsureStream(NatsConn& conn, const ClusterOptions& o) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = o.stream.c_str();
  const char* subjects[] = {"candor.e.>", "candor.m.>"};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 2;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = o.stream_replicas;
  cfg.Retention = js_LimitsPolicy;
  cfg.Discard = js_DiscardNew;  // never drop a log entry to make room
  cfg.MaxMsgSize = 24 << 20;
  cfg.Duplicates = static_cast<int64_t>(120) * 1000 * 1000 * 1000;  // 2 min, in ns
  return AddStreamIfMissing(conn, cfg, "stream " + o.stream);
}

Status EnsureClusterStreamImpl(const ClusterOptions& o) {
  CANDOR_ASSIGN_OR_RETURN(auto conn, NatsConn::Connect(o));
  return EnsureStream(*conn, o);
}

}  // namespace candor::cluster

namespace candor {
Status EnsureClusterStream(const ClusterOptions& options) {
  return cluster::EnsureClusterStreamImpl(options);
}
}  // namespace candor
