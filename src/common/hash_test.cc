// Copyright 2026 The Candor Authors.

#include "common/hash.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

namespace candor {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(HexDigest(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexDigest(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexDigest(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, FileMatchesMemoryAndErrors) {
  auto path =
      std::filesystem::temp_directory_path() / ("candor_hash_test_" + std::to_string(::getpid()));
  std::string content(200000, 'x');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  { std::ofstream(path, std::ios::binary) << content; }
  auto d = Sha256File(path);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, Sha256(content));
  std::filesystem::remove(path);
  EXPECT_EQ(Sha256File(path).status().code(), Code::kNotFound);
  EXPECT_EQ(Sha256File(std::filesystem::temp_directory_path()).status().code(),
            Code::kInvalidArgument);
}

TEST(HexTest, RoundTripAndRejects) {
  auto d = Sha256("abc");
  auto p = ParseHexDigest(HexDigest(d));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, d);
  auto upper = ParseHexDigest("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, d);
  EXPECT_FALSE(ParseHexDigest("abc").ok());
  EXPECT_FALSE(ParseHexDigest(std::string(64, 'g')).ok());
}

TEST(Crc32cTest, KnownVectors) {
  // RFC 3720 B.4 and leveldb's crc32c_test.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  std::vector<uint8_t> buf(32, 0);
  EXPECT_EQ(Crc32c(buf), 0x8a9136aau);
  std::fill(buf.begin(), buf.end(), 0xff);
  EXPECT_EQ(Crc32c(buf), 0x62a8ab43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(Crc32c(buf), 0x46dd794eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(Crc32c(buf), 0x113fdb5cu);
}

TEST(Crc32cTest, HardwareMatchesPortableAtEveryAlignmentAndLength) {
  std::mt19937 rng(42);
  std::vector<uint8_t> data(4096 + 16);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t off = 0; off < 9; ++off) {
    for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4096u}) {
      std::span<const uint8_t> s(data.data() + off, len);
      EXPECT_EQ(Crc32cExtend(0, s), Crc32cExtendPortable(0, s)) << off << " " << len;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string a = "hello ", b = "world";
  uint32_t whole = Crc32c(a + b);
  uint32_t part = Crc32cExtend(
      Crc32c(a), std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
  EXPECT_EQ(whole, part);
  EXPECT_NE(Crc32c("a"), Crc32c("foo"));
}

TEST(Crc32cTest, Mask) {
  uint32_t crc = Crc32c("foo");
  EXPECT_NE(crc, Crc32cMask(crc));
  EXPECT_NE(crc, Crc32cMask(Crc32cMask(crc)));
  EXPECT_EQ(crc, Crc32cUnmask(Crc32cMask(crc)));
  EXPECT_EQ(crc, Crc32cUnmask(Crc32cUnmask(Crc32cMask(Crc32cMask(crc)))));
}

}  // namespace
}  // namespace candor
