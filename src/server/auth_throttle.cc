// Copyright 2026 The Candor Authors.

#include "server/auth_throttle.h"

#include <algorithm>
#include <cmath>

#include "server/json_util.h"

namespace candor::server {

namespace {

// Account names as governance accepts them ([a-z0-9._-]{3,64}); anything else
// (a password typed in the wrong field, say) is never keyed or recorded.
bool PlausibleAccount(const std::string& u) {
  if (u.size() < 3 || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

constexpr size_t kMaxKeys = 20000;  // buckets kept before refilled ones are pruned
constexpr size_t kAccountsNamed = 5;

}  // namespace

double AuthThrottle::Tokens(const std::string& key, int64_t now_ms) {
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst_;
    b.last_ms = now_ms;
  }
  const double refill = static_cast<double>(std::max<int64_t>(0, now_ms - b.last_ms)) *
                        per_minute_ / 60000.0;
  b.tokens = std::min<double>(burst_, b.tokens + refill);
  b.last_ms = std::max(b.last_ms, now_ms);
  return b.tokens;
}

void AuthThrottle::Prune(int64_t now_ms) {
  if (buckets_.size() < kMaxKeys) return;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double refill =
        static_cast<double>(std::max<int64_t>(0, now_ms - it->second.last_ms)) * per_minute_ /
        60000.0;
    it = it->second.tokens + refill >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

AuthThrottle::Attempt AuthThrottle::Begin(const std::string& address, const std::string& account,
                                          int64_t now_ms) {
  if (per_minute_ <= 0) return Attempt(nullptr, "", "", 0, now_ms);
  std::lock_guard<std::mutex> lock(mu_);
  const bool named = PlausibleAccount(account);
  const double by_addr = Tokens("addr:" + address, now_ms);
  const double by_acct = named ? Tokens("acct:" + account, now_ms) : burst_;
  if (by_addr >= 1 && by_acct >= 1) {
    // Reserved while the credential is checked (Attempt gives it back).
    buckets_["addr:" + address].tokens -= 1;
    if (named) buckets_["acct:" + account].tokens -= 1;
    return Attempt(this, address, named ? account : "", 0, now_ms);
  }
  const double missing = 1 - std::min(by_addr, by_acct);
  const int64_t wait_ms = static_cast<int64_t>(std::ceil(missing * 60000.0 / per_minute_));
  // Coalesced per address while the address is the one throttled, else per
  // account (many addresses against one account).
  const std::string key = by_addr < 1 ? "addr:" + address : "acct:" + account;
  Refused& r = refused_[key];
  if (r.count++ == 0) {
    r.first_ms = now_ms;
    earliest_due_ms_ = std::min(earliest_due_ms_, now_ms + window_ms_);
  }
  r.last_ms = now_ms;
  if (named && r.accounts.size() < kAccountsNamed) r.accounts.insert(account);
  return Attempt(nullptr, "", "", std::max<int64_t>(wait_ms, 1), now_ms);
}

void AuthThrottle::GiveBack(const std::string& address, const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& key : {"addr:" + address, account.empty() ? "" : "acct:" + account}) {
    auto it = key.empty() ? buckets_.end() : buckets_.find(key);
    if (it == buckets_.end()) continue;
    it->second.tokens += 1;
    // Only keys that have failed keep a bucket: a full one is dropped.
    if (it->second.tokens >= burst_) buckets_.erase(it);
  }
}

AuthThrottle::Attempt::Attempt(Attempt&& o) noexcept
    : throttle_(o.throttle_), address_(std::move(o.address_)), account_(std::move(o.account_)),
      wait_ms_(o.wait_ms_), now_ms_(o.now_ms_) {
  o.throttle_ = nullptr;
}

AuthThrottle::Attempt::~Attempt() {
  if (throttle_ != nullptr) throttle_->GiveBack(address_, account_);
}

void AuthThrottle::Attempt::Failed() {
  if (throttle_ == nullptr) return;
  // The reserved token stays spent; a good moment to drop full buckets.
  std::lock_guard<std::mutex> lock(throttle_->mu_);
  throttle_->Prune(now_ms_);
  throttle_ = nullptr;
}

bool AuthThrottle::AnyDue(int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_ms >= earliest_due_ms_;
}

std::vector<AuditEntry> AuthThrottle::Due(int64_t now_ms, bool flush) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AuditEntry> out;
  earliest_due_ms_ = INT64_MAX;
  for (auto it = refused_.begin(); it != refused_.end();) {
    const Refused& r = it->second;
    if (!flush && now_ms < r.first_ms + window_ms_) {
      earliest_due_ms_ = std::min(earliest_due_ms_, r.first_ms + window_ms_);
      ++it;
      continue;
    }
    const bool by_addr = it->first.rfind("addr:", 0) == 0;
    AuditEntry e;
    e.actor = by_addr ? "-" : it->first.substr(5);
    e.action = "auth.throttled";
    e.decision = "deny";
    e.outcome = "refused";
    std::string names;
    for (const auto& a : r.accounts) names += (names.empty() ? "" : ", ") + a;
    e.reason = std::to_string(r.count) + (r.count == 1 ? " attempt" : " attempts") +
               " to authenticate refused unchecked (too many failures; HTTP 429) " +
               (by_addr ? "from " + it->first.substr(5) : "on account " + it->first.substr(5)) +
               " between " + IsoTime(r.first_ms) + " and " + IsoTime(r.last_ms) +
               (by_addr && !names.empty() ? "; accounts named: " + names : "");
    out.push_back(std::move(e));
    it = refused_.erase(it);
  }
  return out;
}

}  // namespace candor::server
