// Copyright 2026 The Candor Authors.
//
// The transport's defence against slow and greedy clients (slowloris): one
// connection at a time is served by one worker thread, so
//   - ConnectionGuard caps the connections open at once per client address
//     (beyond the cap a connection is answered 429 and closed at once) and
//     counts the connections being served;
//   - GuardedStream (an httplib::Stream over the socket, plain or TLS) gives
//     every request a total deadline: the TLS handshake, request line and
//     headers must arrive within `header_timeout_ms` of the request's first
//     wait, and the whole request within `request_timeout_ms`, however
//     steadily a client trickles bytes (per-read timeouts alone never fire
//     for a client sending a header line every few seconds);
//   - ServeConnection runs the keep-alive loop over a GuardedStream and
//     answers a missed deadline with 408 (JSON) and an over-cap connection
//     with 429 (JSON).
// Thread safety: ConnectionGuard is thread-safe; a GuardedStream belongs to
// the one worker thread serving its connection.

#ifndef CANDOR_SERVER_CONNECTION_GUARD_H_
#define CANDOR_SERVER_CONNECTION_GUARD_H_

#include <httplib.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>
#include <vector>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace candor::server {

struct TransportLimits {
  int64_t header_timeout_ms = 10'000;   // TLS handshake + request line + headers
  int64_t request_timeout_ms = 60'000;  // the whole request, body included
  int64_t read_timeout_ms = 10'000;     // any single wait for bytes
  int64_t write_timeout_ms = 10'000;    // any single wait to send
  int64_t keep_alive_timeout_ms = 5'000;
  int keep_alive_max_requests = 5;
  int max_connections_per_address = 16;
  int workers = 128;  // connections served at once (the rest wait to be accepted)
};

// httplib's task queue for the server: a thread per connection being served,
// started on demand (none idle) up to `max_threads`, kept for reuse. Starting
// all of them with the listener would delay the first accepts (httplib's
// listen backlog is 5) by the time it takes to spawn them.
class ElasticPool final : public httplib::TaskQueue {
 public:
  explicit ElasticPool(size_t max_threads) : max_(std::max<size_t>(1, max_threads)) {}
  ~ElasticPool() override { shutdown(); }
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void Work();
  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stop_ = false;
};

class ConnectionGuard {
 public:
  explicit ConnectionGuard(int max_per_address) : max_per_address_(max_per_address) {}
  // True (and counted) if `address` has fewer than the cap open.
  bool Admit(const std::string& address);
  void Release(const std::string& address);
  int open() const { return open_.load(); }

 private:
  const int max_per_address_;
  std::atomic<int> open_{0};
  std::mutex mu_;
  std::map<std::string, int> by_address_;
};

class GuardedStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;
  // `fd` is made non-blocking; `ssl` (may be null) is already bound to it.
  // `stopping` returns true once the server is shutting down (waits end).
  GuardedStream(int fd, SSL* ssl, const TransportLimits& limits, std::function<bool()> stopping);

  // Starts the deadlines of a new request at `now`.
  void BeginRequest(Clock::time_point now);
  // Waits (at most `ms`, and never past the header deadline) until a
  // request's first byte is here. False on timeout, close or shutdown.
  bool WaitForRequest(int64_t ms);
  // The TLS handshake, within the header deadline. False on failure.
  bool Handshake();
  bool deadline_missed() const { return deadline_missed_; }
  bool headers_done() const { return headers_done_; }
  bool wrote() const { return wrote_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // Waits for `events` on the socket up to min(per-op timeout, deadline);
  // marks deadline_missed_ when the deadline is what ended the wait.
  bool Wait(short events, int64_t op_timeout_ms) const;
  Clock::time_point Deadline() const;
  ssize_t Fill();  // reads into buf_; >0 bytes, 0 closed, -1 error/timeout
  void NoteHeaderEnd(const char* p, size_t n);

  const int fd_;
  SSL* const ssl_;
  const TransportLimits limits_;
  const std::function<bool()> stopping_;
  Clock::time_point start_;
  mutable bool deadline_missed_ = false;
  bool headers_done_ = false;
  bool wrote_ = false;
  uint32_t tail_ = 0;  // the last 4 bytes handed out, to find "\r\n\r\n"
  std::string buf_;
  size_t off_ = 0;
};

// Serves one accepted connection: the per-address cap, the TLS handshake if
// `ctx` is set, then requests through `process` (httplib's process_request)
// until the client closes, keep-alive ends or a deadline passes. Closes `fd`.
void ServeConnection(int fd, SSL_CTX* ctx, const TransportLimits& limits, ConnectionGuard& guard,
                     const std::function<bool()>& stopping,
                     const std::function<bool(httplib::Stream&, bool close, bool& closed)>& process);

// The stream serving the calling thread's connection (null outside one): the
// server's error handler reads it to answer a missed deadline as 408.
const GuardedStream* CurrentStream();

// Asks ServeConnection to close the calling thread's connection once the
// current response is written (after an answer to a malformed request, whose
// leftover bytes must not be read as another request).
void CloseConnectionAfterResponse();

// A whole HTTP/1.1 response with a JSON error body {"error":{code,message}}
// and Connection: close (for answers written outside httplib).
std::string RawErrorResponse(int status, const char* reason, const char* code,
                             const std::string& message, int retry_after_s = 0);

}  // namespace candor::server

#endif  // CANDOR_SERVER_CONNECTION_GUARD_H_
