// Copyright 2026 The Candor Authors.
//
// Set-up shared by the server's tests: a fresh directory per test, a new
// encrypted store in it, a governed service's fixture, and raw loopback
// sockets for transport tests. Test-only, header-only.

#ifndef CANDOR_SERVER_SERVER_TEST_UTIL_H_
#define CANDOR_SERVER_SERVER_TEST_UTIL_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "candor/audit.h"
#include "candor/gallery.h"
#include "candor/govern.h"
#include "candor/server.h"

namespace candor::server_test {

// <tmp>/<prefix>_<pid>_<running test's name>, emptied and created.
inline std::filesystem::path FreshTestDir(const std::string& prefix) {
  const auto dir = std::filesystem::temp_directory_path() /
                   (prefix + "_" + std::to_string(::getpid()) + "_" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The whole file's bytes ("" if it cannot be read).
inline std::string FileBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A new store at dir/store under a random master key, which is written to *key.
inline StatusOr<std::unique_ptr<Store>> OpenFreshStore(const std::filesystem::path& dir,
                                                       StoreKey* key) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  randombytes_buf(key->data(), key->size());
  StoreOptions so;
  so.master_key = *key;
  so.create_if_missing = true;
  return Store::Open((dir / "store").string(), so);
}

// The test clock's start (2027-01-15) and one day, in Unix ms.
inline constexpr int64_t kStart = 1'800'000'000'000;
inline constexpr int64_t kDay = 24ll * 3600 * 1000;

// A TCP connection to 127.0.0.1:port, from the loopback address `from` when
// given (e.g. "127.0.0.2": another client address on the same host); -1 on
// failure.
inline int ConnectLoopback(int port, const char* from = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (from != nullptr) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_port = 0;
    ::inet_pton(AF_INET, from, &src.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The state a service test starts from: a fresh directory, a new encrypted
// store in it, an audit signing key, and governance on the test clock `now_`
// (fast password hashing) with the account "admin" (kAdminPassword)
// bootstrapped. Subclasses start their Service (ServiceOptions gives the
// common options) and, if they own more (an HttpServer), reset it in their
// TearDown before calling this one's.
class GovernedStoreTest : public ::testing::Test {
 protected:
  static constexpr const char* kAdminPassword = "admin-password-123";

  // From SetUp, as ASSERT_NO_FATAL_FAILURE(OpenGovernedStore("prefix")).
  // `configure` may change the governance options before they are used.
  void OpenGovernedStore(const std::string& prefix,
                         const std::function<void(GovernanceOptions&)>& configure = {}) {
    ASSERT_GE(sodium_init(), 0);
    dir_ = FreshTestDir(prefix);
    auto st = OpenFreshStore(dir_, &key_);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    store_ = std::move(st).value();
    audit_key_ = GenerateAuditKey();
    GovernanceOptions go;
    go.clock = [this] { return now_.load(); };
    go.fast_password_hashing = true;
    if (configure) configure(go);
    auto g = Governance::Open(dir_ / "store", audit_key_, go);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gov_ = std::move(g).value();
    ASSERT_TRUE(gov_->BootstrapAdmin("admin", kAdminPassword, kStart + 365 * kDay).ok());
  }

  // The test clock, probe images in `probe_dir` under the store key, and the
  // audit log's public key.
  ServerOptions ServiceOptions(const std::filesystem::path& probe_dir) {
    ServerOptions o;
    o.clock = [this] { return now_.load(); };
    o.probe_dir = probe_dir;
    o.probe_key = key_;
    o.audit_public_key = audit_key_.public_key;
    return o;
  }

  // The audit entries with `action`, oldest first.
  std::vector<AuditEntry> AuditEntries(const std::string& action) {
    auto entries = ReadAuditEntries(gov_->audit_log_path());
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    std::vector<AuditEntry> out;
    if (!entries.ok()) return out;
    for (auto& e : *entries) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }

  void TearDown() override {
    service_.reset();
    gov_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::atomic<int64_t> now_{kStart};
  StoreKey key_{};
  AuditSigningKey audit_key_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Governance> gov_;
  std::unique_ptr<Service> service_;
};

}  // namespace candor::server_test

#endif  // CANDOR_SERVER_SERVER_TEST_UTIL_H_
