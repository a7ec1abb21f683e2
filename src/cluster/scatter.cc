// Copyright 2026 The Candor Authors.

#include "cluster/scatter.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

namespace candor::cluster {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Replies, queued by the subscription's callback (a synchronous subscription
// would turn a "no responders" status into an error without its subject).
// Owned by the subscription: deleted by its on-complete callback, after the
// last delivery.
struct ReplyQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<natsMsg*> msgs;
  ~ReplyQueue() {
    for (natsMsg* m : msgs) natsMsg_Destroy(m);
  }
  static void OnMsg(natsConnection*, natsSubscription*, natsMsg* m, void* self) {
    auto* q = static_cast<ReplyQueue*>(self);
    {
      std::lock_guard<std::mutex> lock(q->mu);
      q->msgs.push_back(m);
    }
    q->cv.notify_one();
  }
  static void OnComplete(void* self) { delete static_cast<ReplyQueue*>(self); }
  // The next reply, or null after `wait_ms`.
  natsMsg* Next(int64_t wait_ms) {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return !msgs.empty(); })) {
      return nullptr;
    }
    natsMsg* m = msgs.front();
    msgs.pop_front();
    return m;
  }
};

struct SubDeleter {
  void operator()(natsSubscription* s) const {
    natsSubscription_Unsubscribe(s);
    natsSubscription_Destroy(s);
  }
};

struct ShardState {
  int attempt = 0;
  int first_replica = 0;
  int64_t attempt_deadline = 0;
  bool done = false;
  std::string last_error;
};

}  // namespace

std::vector<StatusOr<Json>> Scatter(NatsConn& conn, const gallery::Key& bus,
                                    const ClusterOptions& o,
                                    const std::vector<ScatterTarget>& targets, const Json& request,
                                    uint32_t round_robin) {
  const size_t n = targets.size();
  std::vector<StatusOr<Json>> out(n, UnavailableError("no reply"));
  if (n == 0) return out;
  const int replicas = std::max(1, o.replicas);
  const int64_t start = NowMs();
  const int64_t deadline = start + std::max<int64_t>(1, o.request_timeout_ms);
  const int64_t share = std::max<int64_t>(1, o.request_timeout_ms / replicas);

  natsInbox* inbox_raw = nullptr;
  if (natsInbox_Create(&inbox_raw) != NATS_OK) {
    std::fill(out.begin(), out.end(), InternalError("cannot create an inbox"));
    return out;
  }
  const std::string inbox = inbox_raw;
  natsInbox_Destroy(inbox_raw);
  natsSubscription* sub_raw = nullptr;
  auto* queue = new ReplyQueue();
  natsStatus s = natsConnection_Subscribe(&sub_raw, conn.nc(), (inbox + ".>").c_str(),
                                          &ReplyQueue::OnMsg, queue);
  if (s == NATS_OK) s = natsSubscription_SetOnCompleteCB(sub_raw, &ReplyQueue::OnComplete, queue);
  if (s != NATS_OK) {
    if (sub_raw) {
      natsSubscription_Unsubscribe(sub_raw);
      natsSubscription_Destroy(sub_raw);
    }
    // Without the on-complete callback in place nothing else frees the queue;
    // with the subscription gone no callback can still reach it.
    delete queue;
    std::fill(out.begin(), out.end(), NatsError(s, "cannot subscribe to a reply inbox"));
    return out;
  }
  std::unique_ptr<natsSubscription, SubDeleter> sub(sub_raw);

  std::vector<ShardState> st(n);
  size_t pending = n;
  auto replica_of = [&](size_t i, int attempt) {
    return (st[i].first_replica + attempt) % replicas;
  };
  // Sends targets[i] to its current attempt's replica; false when it cannot.
  auto send = [&](size_t i) {
    const int replica = replica_of(i, st[i].attempt);
    const std::string subject = RequestSubject(targets[i].shard, replica);
    Json req = request;
    req["min"] = targets[i].min_seq;
    const int64_t now = NowMs();
    st[i].attempt_deadline = std::min(deadline, now + share);
    // The replica may wait for the log for most of its share, not all of it.
    req["wait"] = std::max<int64_t>(0, (st[i].attempt_deadline - now) * 3 / 4);
    std::vector<uint8_t> sealed = SealJson(bus, req, subject);
    const std::string reply = inbox + "." + std::to_string(i) + "." + std::to_string(st[i].attempt);
    natsStatus ps = natsConnection_PublishRequest(conn.nc(), subject.c_str(), reply.c_str(),
                                                  sealed.data(), static_cast<int>(sealed.size()));
    if (ps != NATS_OK) st[i].last_error = NatsError(ps, "request to " + subject).message();
    return ps == NATS_OK;
  };
  auto give_up_or_next = [&](size_t i, const std::string& why) {
    st[i].last_error = why;
    while (st[i].attempt + 1 < replicas && NowMs() < deadline) {
      ++st[i].attempt;
      if (send(i)) return;
    }
    std::string tried;
    for (int a = 0; a <= st[i].attempt; ++a) {
      tried += (a ? ", " : "") + std::to_string(replica_of(i, a));
    }
    out[i] = UnavailableError("shard " + std::to_string(targets[i].shard) +
                              " has no replica answering within " +
                              std::to_string(o.request_timeout_ms) + " ms (replicas tried: " +
                              tried + "; last: " + st[i].last_error + ")");
    st[i].done = true;
    --pending;
  };
  for (size_t i = 0; i < n; ++i) {
    st[i].first_replica = static_cast<int>((round_robin + i) % static_cast<uint32_t>(replicas));
    if (!send(i)) give_up_or_next(i, st[i].last_error);
  }

  while (pending > 0) {
    const int64_t now = NowMs();
    for (size_t i = 0; i < n; ++i) {
      if (!st[i].done && now >= st[i].attempt_deadline) {
        give_up_or_next(i, "replica " + std::to_string(replica_of(i, st[i].attempt)) +
                               " did not answer within " + std::to_string(share) + " ms");
      }
    }
    if (pending == 0) break;
    int64_t wake = deadline;
    for (size_t i = 0; i < n; ++i) {
      if (!st[i].done) wake = std::min(wake, st[i].attempt_deadline);
    }
    natsMsg* raw = queue->Next(std::max<int64_t>(1, wake - NowMs()));
    if (!raw) continue;
    MsgPtr m(raw);
    // Reply subject: <inbox>.<target>.<attempt>
    const std::string subj = natsMsg_GetSubject(m.get());
    const std::string tail = subj.substr(std::min(subj.size(), inbox.size() + 1));
    const size_t dot = tail.find('.');
    if (dot == std::string::npos) continue;
    const size_t i = std::strtoul(tail.substr(0, dot).c_str(), nullptr, 10);
    const int attempt = std::atoi(tail.substr(dot + 1).c_str());
    if (i >= n || st[i].done || attempt > st[i].attempt) continue;
    if (natsMsg_IsNoResponders(m.get())) {
      if (attempt == st[i].attempt) {
        give_up_or_next(i, "replica " + std::to_string(replica_of(i, attempt)) +
                               " is not running (no responders)");
      }
      continue;
    }
    const std::string req_subject = RequestSubject(targets[i].shard, replica_of(i, attempt));
    auto body = OpenJson(bus,
                         std::span(reinterpret_cast<const uint8_t*>(natsMsg_GetData(m.get())),
                                   static_cast<size_t>(natsMsg_GetDataLength(m.get()))),
                         "reply:" + req_subject);
    if (!body.ok()) {
      if (attempt == st[i].attempt) give_up_or_next(i, body.status().message());
      continue;
    }
    Status rs = InternalError("reply without a status");
    try {
      rs = StatusFrom(body->at("status"));
    } catch (const std::exception&) {
    }
    if (rs.code() == Code::kUnavailable) {
      if (attempt == st[i].attempt) give_up_or_next(i, rs.message());
      continue;
    }
    if (rs.ok()) {
      out[i] = body->contains("body") ? (*body)["body"] : Json();
    } else {
      out[i] = rs;
    }
    st[i].done = true;
    --pending;
  }
  return out;
}

}  // namespace candor::cluster
