// Copyright 2026 The Candor Authors.
//
// Failed authentication, rate-limited per client address and per account
// name, with the refused attempts audited in coalesced entries.
//
// Every attempt to authenticate takes a token from the address's bucket and,
// for a sign-in, from the account name's bucket (`burst` tokens, refilled at
// `failures_per_minute`) while its credential is checked; a failure (a wrong
// password, an unknown or expired token, a missing Authorization header)
// keeps it spent, anything else gives it back. So attempts sent at once count
// against the budget before any of them has failed: 40 wrong passwords sent
// together check at most `burst` (each check is an Argon2id hash of 64 MiB).
// While either bucket is empty, attempts from that
// address / on that account are refused before any credential is checked
// (429 with Retry-After): no password hashing, no token look-up, and no audit
// entry each. They are counted instead, and Due() turns each count into one
// "auth.throttled" entry per key and window ("41 attempts refused ... from
// 127.0.0.2 between T1 and T2"), so no attempt goes unrecorded while the
// audit log cannot be used to slow the server. The failures within the
// budget are audited one by one by governance, as before.
//
// Thread-safe. The clock is passed in (Unix ms).

#ifndef CANDOR_SERVER_AUTH_THROTTLE_H_
#define CANDOR_SERVER_AUTH_THROTTLE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "candor/audit.h"

namespace candor::server {

class AuthThrottle {
 public:
  // failures_per_minute <= 0: no throttling.
  AuthThrottle(int failures_per_minute, int burst, int64_t window_ms = 60'000)
      : per_minute_(failures_per_minute), burst_(burst), window_ms_(window_ms) {}

  // One attempt to authenticate, from Begin() until it is destroyed: keep it
  // only around the credential check.
  class Attempt {
   public:
    Attempt(Attempt&& o) noexcept;
    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;
    Attempt& operator=(Attempt&&) = delete;
    ~Attempt();  // gives the reserved token back unless Failed() was called
    // 0 to go ahead and check the credential, else the milliseconds until an
    // attempt may be made (refused unchecked; counted for the coalesced audit).
    int64_t wait_ms() const { return wait_ms_; }
    // The credential was wrong (or missing): the reserved token stays spent.
    void Failed();

   private:
    friend class AuthThrottle;
    Attempt(AuthThrottle* t, std::string address, std::string account, int64_t wait_ms,
            int64_t now_ms)
        : throttle_(t),
          address_(std::move(address)),
          account_(std::move(account)),
          wait_ms_(wait_ms),
          now_ms_(now_ms) {}
    AuthThrottle* throttle_;  // null: nothing reserved (refused, no throttling, or done)
    std::string address_, account_;
    int64_t wait_ms_;
    int64_t now_ms_;
  };

  // Before checking a credential from `address` (for `account`, empty for a
  // token).
  [[nodiscard]] Attempt Begin(const std::string& address, const std::string& account,
                              int64_t now_ms);
  // The coalesced entries whose window has ended by `now_ms` (all pending
  // ones with `flush`), removed from the pending set. The caller appends them.
  std::vector<AuditEntry> Due(int64_t now_ms, bool flush);
  // True if Due(now_ms, false) would return something (cheap).
  bool AnyDue(int64_t now_ms) const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  struct Refused {
    int64_t count = 0;
    int64_t first_ms = 0, last_ms = 0;
    std::set<std::string> accounts;  // at most a few, for the entry
  };
  double Tokens(const std::string& key, int64_t now_ms);  // refilled; creates full
  void Prune(int64_t now_ms);
  void GiveBack(const std::string& address, const std::string& account);

  const int per_minute_, burst_;
  const int64_t window_ms_;
  mutable std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, Refused> refused_;  // key: "addr:<ip>" or "acct:<name>"
  int64_t earliest_due_ms_ = INT64_MAX;
};

}  // namespace candor::server

#endif  // CANDOR_SERVER_AUTH_THROTTLE_H_
