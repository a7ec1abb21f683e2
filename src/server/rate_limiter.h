// Copyright 2026 The Candor Authors.
//
// Per-key token buckets (key: account name, or "addr:<ip>" before sign-in).
// Allow() takes one token; false when the bucket is empty (answer 429).
// Take() takes `cost` tokens (a costly request may cost more than one) or
// none, and says how long until it could.
// Thread-safe. The clock is passed in (Unix ms) so tests need no sleeping.

#ifndef CANDOR_SERVER_RATE_LIMITER_H_
#define CANDOR_SERVER_RATE_LIMITER_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace candor::server {

class RateLimiter {
 public:
  RateLimiter(int per_minute, int burst) : per_minute_(per_minute), burst_(burst) {}
  bool Allow(const std::string& key, int64_t now_ms) { return Take(key, now_ms, 1) == 0; }
  // 0 if `cost` tokens were taken; else the milliseconds until the bucket
  // holds them (nothing taken; at least 1). A cost above the burst is charged
  // as the burst (it can never be held).
  int64_t Take(const std::string& key, int64_t now_ms, double cost);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  const int per_minute_, burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace candor::server

#endif  // CANDOR_SERVER_RATE_LIMITER_H_
