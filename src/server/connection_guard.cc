// Copyright 2026 The Candor Authors.

#include "server/connection_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <openssl/err.h>

namespace candor::server {

namespace {

thread_local const GuardedStream* t_current = nullptr;
thread_local bool t_close_after = false;

int64_t MsUntil(GuardedStream::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - GuardedStream::Clock::now())
      .count();
}

std::string AddressOf(const sockaddr_storage& a, int* port) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    if (port) *port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    if (port) *port = ntohs(v6->sin6_port);
  }
  return host;
}

// Sends all of `data`, best effort (for answers written outside httplib).
void SendAll(GuardedStream& s, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = s.write(data.data() + off, data.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Half-closes, lets the client read what was sent (discarding what it still
// sends, for at most 200 ms) and closes: closing with unread input would
// reset the connection and could lose the answer.
void LingerAndClose(int fd) {
  ::shutdown(fd, SHUT_WR);
  const auto end = GuardedStream::Clock::now() + std::chrono::milliseconds(200);
  char sink[4096];
  for (int64_t left = MsUntil(end); left > 0; left = MsUntil(end)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    if (::recv(fd, sink, sizeof sink, 0) <= 0) break;
  }
  ::close(fd);
}

std::string Duration(int64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

}  // namespace

void ElasticPool::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  jobs_.push_back(std::move(fn));
  if (idle_ < jobs_.size() && threads_.size() < max_) {
    threads_.emplace_back([this] { Work(); });
  }
  cv_.notify_one();
}

void ElasticPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

void ElasticPool::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_;
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // stopping, nothing left
    std::function<void()> fn = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
}

bool ConnectionGuard::Admit(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = by_address_[address];
  if (max_per_address_ > 0 && n >= max_per_address_) {
    if (n == 0) by_address_.erase(address);
    return false;
  }
  ++n;
  ++open_;
  return true;
}

void ConnectionGuard::Release(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return;
  if (--it->second <= 0) by_address_.erase(it);
  --open_;
}

GuardedStream::GuardedStream(int fd, SSL* ssl, const TransportLimits& limits,
                             std::function<bool()> stopping)
    : fd_(fd), ssl_(ssl), limits_(limits), stopping_(std::move(stopping)) {
  const int flags = ::fcntl(fd_, F_GETFL, 0);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  start_ = Clock::now();
}

void GuardedStream::BeginRequest(Clock::time_point now) {
  start_ = now;
  deadline_missed_ = false;
  headers_done_ = false;
  wrote_ = false;
  tail_ = 0;
}

GuardedStream::Clock::time_point GuardedStream::Deadline() const {
  const int64_t ms = headers_done_
                         ? limits_.request_timeout_ms
                         : std::min(limits_.header_timeout_ms, limits_.request_timeout_ms);
  return start_ + std::chrono::milliseconds(ms);
}

bool GuardedStream::Wait(short events, int64_t op_timeout_ms) const {
  const bool reading = (events & POLLIN) != 0;
  const auto op_end = Clock::now() + std::chrono::milliseconds(op_timeout_ms);
  while (true) {
    const auto deadline = Deadline();
    const auto end = reading ? std::min(op_end, deadline) : op_end;
    const int64_t left = MsUntil(end);
    if (left <= 0) {
      if (reading && deadline <= op_end) deadline_missed_ = true;
      return false;
    }
    if (stopping_ && stopping_()) return false;
    pollfd p{fd_, events, 0};
    // Short slices, so a stopping server is noticed.
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
    if (r > 0) return true;  // ready, or an error/hang-up the next call reports
    if (r < 0 && errno != EINTR) return false;
  }
}

bool GuardedStream::WaitForRequest(int64_t ms) {
  if (off_ < buf_.size() || (ssl_ != nullptr && SSL_pending(ssl_) > 0)) return true;
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  for (int64_t left = MsUntil(end); left > 0; left = MsUntil(end)) {
    if (stopping_ && stopping_()) return false;
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 100)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
  return false;
}

bool GuardedStream::Handshake() {
  if (ssl_ == nullptr) return true;
  while (true) {
    ERR_clear_error();
    const int r = SSL_accept(ssl_);
    if (r == 1) return true;
    const int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_READ) {
      if (!Wait(POLLIN, limits_.read_timeout_ms)) return false;
    } else if (err == SSL_ERROR_WANT_WRITE) {
      if (!Wait(POLLOUT, limits_.write_timeout_ms)) return false;
    } else {
      return false;
    }
  }
}

ssize_t GuardedStream::Fill() {
  buf_.resize(16384);
  off_ = 0;
  while (true) {
    if (Clock::now() >= Deadline()) {
      deadline_missed_ = true;
      buf_.clear();
      return -1;
    }
    ssize_t n;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      n = SSL_read(ssl_, buf_.data(), static_cast<int>(buf_.size()));
      if (n <= 0) {
        const int err = SSL_get_error(ssl_, static_cast<int>(n));
        bool ok = false;
        if (err == SSL_ERROR_WANT_READ) ok = Wait(POLLIN, limits_.read_timeout_ms);
        if (err == SSL_ERROR_WANT_WRITE) ok = Wait(POLLOUT, limits_.write_timeout_ms);
        if (ok) continue;
        buf_.clear();
        return err == SSL_ERROR_ZERO_RETURN ? 0 : -1;
      }
    } else {
      n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && Wait(POLLIN, limits_.read_timeout_ms)) {
          continue;
        }
        buf_.clear();
        return -1;
      }
      if (n == 0) {
        buf_.clear();
        return 0;
      }
    }
    buf_.resize(static_cast<size_t>(n));
    return n;
  }
}

void GuardedStream::NoteHeaderEnd(const char* p, size_t n) {
  for (size_t i = 0; i < n && !headers_done_; ++i) {
    tail_ = (tail_ << 8) | static_cast<unsigned char>(p[i]);
    if (tail_ == 0x0d0a0d0au) headers_done_ = true;
  }
}

ssize_t GuardedStream::read(char* ptr, size_t size) {
  if (off_ >= buf_.size()) {
    const ssize_t n = Fill();
    if (n <= 0) return n;
  }
  const size_t n = std::min(size, buf_.size() - off_);
  std::memcpy(ptr, buf_.data() + off_, n);
  NoteHeaderEnd(ptr, n);
  off_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t GuardedStream::write(const char* ptr, size_t size) {
  wrote_ = true;
  if (size == 0) return 0;
  while (true) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (n > 0) return n;
      const int err = SSL_get_error(ssl_, n);
      bool ok = false;
      if (err == SSL_ERROR_WANT_WRITE) ok = Wait(POLLOUT, limits_.write_timeout_ms);
      if (err == SSL_ERROR_WANT_READ) ok = Wait(POLLIN, limits_.write_timeout_ms);
      if (!ok) return -1;
    } else {
      const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !Wait(POLLOUT, limits_.write_timeout_ms)) {
        return -1;
      }
    }
  }
}

bool GuardedStream::is_readable() const {
  if (off_ < buf_.size() || (ssl_ != nullptr && SSL_pending(ssl_) > 0)) return true;
  return Wait(POLLIN, limits_.read_timeout_ms);
}

bool GuardedStream::is_writable() const { return Wait(POLLOUT, limits_.write_timeout_ms); }

void GuardedStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) ip = AddressOf(a, &port);
}

void GuardedStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) ip = AddressOf(a, &port);
}

const GuardedStream* CurrentStream() { return t_current; }

void CloseConnectionAfterResponse() { t_close_after = true; }

std::string RawErrorResponse(int status, const char* reason, const char* code,
                             const std::string& message, int retry_after_s) {
  const std::string body =
      nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) +
                  "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  if (retry_after_s > 0) r += "Retry-After: " + std::to_string(retry_after_s) + "\r\n";
  return r + "Connection: close\r\n\r\n" + body;
}

void ServeConnection(
    int fd, SSL_CTX* ctx, const TransportLimits& limits, ConnectionGuard& guard,
    const std::function<bool()>& stopping,
    const std::function<bool(httplib::Stream&, bool close, bool& closed)>& process) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  const std::string address =
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 ? AddressOf(peer, nullptr)
                                                                      : "";
  SSL* ssl = nullptr;
  if (ctx != nullptr) {
    ssl = SSL_new(ctx);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
      if (ssl) SSL_free(ssl);
      ::close(fd);
      return;
    }
  }
  const bool admitted = guard.Admit(address);
  {
    GuardedStream s(fd, ssl, limits, stopping);
    t_current = &s;
    if (!admitted) {
      // Over the per-address cap: answered at once (the handshake first over
      // TLS, within the header deadline) and closed.
      if (s.Handshake()) {
        SendAll(s, RawErrorResponse(
                       429, "Too Many Requests", "RESOURCE_EXHAUSTED",
                       "too many connections from this address (at most " +
                           std::to_string(limits.max_connections_per_address) +
                           " at once); retry when one has closed",
                       1));
      }
    } else if (s.Handshake()) {
      for (int i = 0; i < std::max(1, limits.keep_alive_max_requests); ++i) {
        if (i > 0) {
          if (!s.WaitForRequest(limits.keep_alive_timeout_ms)) break;
          s.BeginRequest(GuardedStream::Clock::now());
        }
        // Busy (three quarters of the workers serving): no keep-alive, so
        // idle connections give their worker back.
        const bool busy = guard.open() * 4 > limits.workers * 3;
        const bool close = busy || i + 1 >= limits.keep_alive_max_requests;
        bool closed = false;
        t_close_after = false;
        const bool ok = process(s, close, closed);
        if (s.deadline_missed() && !s.wrote()) {
          SendAll(s, RawErrorResponse(
                         408, "Request Timeout", "DEADLINE_EXCEEDED",
                         s.headers_done()
                             ? "request not received within " + Duration(limits.request_timeout_ms)
                             : "request headers not received within " +
                                   Duration(limits.header_timeout_ms)));
          break;
        }
        if (!ok || closed || s.deadline_missed() || t_close_after) break;
      }
    }
    t_current = nullptr;
  }
  if (admitted) guard.Release(address);
  if (ssl != nullptr) {
    SSL_shutdown(ssl);  // best effort: the socket is non-blocking
    SSL_free(ssl);
  }
  LingerAndClose(fd);
}

}  // namespace candor::server
