// Copyright 2026 The Candor Authors.

#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace candor::server {

int64_t RateLimiter::Take(const std::string& key, int64_t now_ms, double cost) {
  if (per_minute_ <= 0) return 0;
  cost = std::min<double>(std::max(cost, 0.0), burst_);
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() > 100000) buckets_.clear();  // bound memory under address floods
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst_;
    b.last_ms = now_ms;
  }
  const double refill = std::max<int64_t>(0, now_ms - b.last_ms) * per_minute_ / 60000.0;
  b.tokens = std::min<double>(burst_, b.tokens + refill);
  b.last_ms = std::max(b.last_ms, now_ms);
  if (b.tokens < cost) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((cost - b.tokens) * 60000.0 /
                                                               per_minute_)));
  }
  b.tokens -= cost;
  return 0;
}

}  // namespace candor::server
