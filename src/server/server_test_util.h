// Copyright 2026 The Candor Authors.
//
// Set-up shared by the server's tests: a fresh directory per test and a new
// encrypted store in it. Test-only, header-only.

#ifndef CANDOR_SERVER_SERVER_TEST_UTIL_H_
#define CANDOR_SERVER_SERVER_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "candor/gallery.h"

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

}  // namespace candor::server_test

#endif  // CANDOR_SERVER_SERVER_TEST_UTIL_H_
