// Copyright 2026 The Candor Authors.
//
// ProbeVault: images round-trip sealed (no image bytes in clear), are bound
// to their search id, fail closed when altered, and files written by the
// vault before the one sealing helper (libsodium secretbox) still open.

#include "server/probe_vault.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>

#include "server/server_test_util.h"

namespace candor::server {
namespace {

namespace fs = std::filesystem;

void WriteBytes(const fs::path& p, const std::string& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << b;
}

class ProbeVaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = server_test::FreshTestDir("candor_vault");
    key_.fill(0x11);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  StoreKey key_{};
};

TEST_F(ProbeVaultTest, SealedRoundTripBoundToTheSearch) {
  ProbeVault v(dir_, key_);
  const std::string image = "\x89PNG probe image bytes that must not appear in clear";
  ASSERT_TRUE(v.Put("srch-a", image).ok());
  auto back = v.Get("srch-a");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, image);
  const std::string on_disk = server_test::FileBytes(dir_ / "srch-a.probe");
  EXPECT_EQ(on_disk.find("probe image bytes"), std::string::npos);

  // Another key, or the file moved to another search: DATA_LOSS.
  StoreKey other = key_;
  other[0] ^= 1;
  EXPECT_EQ(ProbeVault(dir_, other).Get("srch-a").status().code(), Code::kDataLoss);
  WriteBytes(dir_ / "srch-b.probe", on_disk);
  EXPECT_EQ(v.Get("srch-b").status().code(), Code::kDataLoss);
  // One flipped bit or a truncated file: DATA_LOSS.
  std::string flipped = on_disk;
  flipped[30] ^= 1;
  WriteBytes(dir_ / "srch-a.probe", flipped);
  EXPECT_EQ(v.Get("srch-a").status().code(), Code::kDataLoss);
  WriteBytes(dir_ / "srch-a.probe", on_disk.substr(0, 20));
  EXPECT_EQ(v.Get("srch-a").status().code(), Code::kDataLoss);

  ASSERT_TRUE(v.Delete("srch-a").ok());
  EXPECT_EQ(v.Get("srch-a").status().code(), Code::kNotFound);
  EXPECT_EQ(v.Get("../etc").status().code(), Code::kInvalidArgument);
}

// Captured from the vault as it was before common/seal.h (store key 0x11 x 32,
// search "srch-legacy01", image "legacy probe image bytes").
constexpr char kLegacyProbeHex[] =
    "e143df7f08a2eab858fb4dc51ea1665ccaf16f3ecc7fb6c6e14d6145ab71623a5c2793f072fb4fa94df0fe316aa0a7"
    "9bb0cf478650b32365ca6fbfb491ad675b";

TEST_F(ProbeVaultTest, FilesFromTheOldVaultStillOpen) {
  std::string bytes(sizeof(kLegacyProbeHex) / 2, '\0');
  size_t n = 0;
  ASSERT_EQ(sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(),
                           kLegacyProbeHex, sizeof(kLegacyProbeHex) - 1, nullptr, &n, nullptr),
            0);
  bytes.resize(n);
  WriteBytes(dir_ / "srch-legacy01.probe", bytes);
  ProbeVault v(dir_, key_);
  auto image = v.Get("srch-legacy01");
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(*image, "legacy probe image bytes");
  StoreKey other = key_;
  other[5] ^= 1;
  EXPECT_EQ(ProbeVault(dir_, other).Get("srch-legacy01").status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace candor::server
