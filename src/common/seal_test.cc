// Copyright 2026 The Candor Authors.

#include "common/seal.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

namespace candor::crypto {
namespace {

std::span<const uint8_t> B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  size_t n = 0;
  EXPECT_EQ(sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &n, nullptr),
            0);
  out.resize(n);
  return out;
}

Key FixedKey(uint8_t fill) {
  std::array<uint8_t, kKeyBytes> raw;
  raw.fill(fill);
  return Key(raw);
}

TEST(Seal, RoundTripBindsKeyAndAssociatedData) {
  ASSERT_TRUE(InitCrypto().ok());
  Key k = Key::Random();
  std::vector<uint8_t> sealed = Seal(k, "a search record", "srch-1");
  ASSERT_EQ(sealed.size(), 15 + kSealOverhead);
  auto plain = OpenText(k, sealed, "srch-1");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "a search record");
  EXPECT_EQ(OpenText(Key::Random(), sealed, "srch-1").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(OpenText(k, sealed, "srch-2").status().code(), Code::kUnauthenticated);
  sealed[kNonceBytes + 3] ^= 1;
  EXPECT_EQ(OpenText(k, sealed, "srch-1").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(OpenText(k, std::span(sealed).first(kSealOverhead - 1), "srch-1").status().code(),
            Code::kDataLoss);
  // Two seals of the same text differ (random nonce).
  EXPECT_NE(Seal(k, "x", "a"), Seal(k, "x", "a"));
}

TEST(Seal, SpanFormAppendsAndChecksTheOutputSize) {
  ASSERT_TRUE(InitCrypto().ok());
  Key k = Key::Random();
  std::vector<uint8_t> out = {7, 7};
  Seal(k, B("abc"), B("ad"), out);
  ASSERT_EQ(out.size(), 2 + 3 + kSealOverhead);
  EXPECT_EQ(out[0], 7);
  std::vector<uint8_t> plain(3);
  const std::span<const uint8_t> sealed = std::span(out).subspan(2);
  ASSERT_TRUE(Open(k, sealed, B("ad"), plain).ok());
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "abc");
  std::vector<uint8_t> wrong(4);
  EXPECT_EQ(Open(k, sealed, B("ad"), wrong).code(), Code::kInvalidArgument);
}

// The byte format is the one the gallery store has always written: a value
// sealed by the gallery's original Seal (XChaCha20-Poly1305, nonce || ct ||
// tag) under a fixed key must still open. Generated once with libsodium's
// crypto_aead_xchacha20poly1305_ietf_encrypt, key 0x22 x 32, ad "ad-7".
TEST(Seal, OpensTheFormatOnDisk) {
  ASSERT_TRUE(InitCrypto().ok());
  Key k = FixedKey(0x22);
  // Seal by hand with the primitive, exactly as the old gallery code did.
  std::vector<uint8_t> sealed(kNonceBytes + 5 + kTagBytes);
  randombytes_buf(sealed.data(), kNonceBytes);
  unsigned long long n = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data() + kNonceBytes, &n, B("hello").data(), 5,
                                             B("ad-7").data(), 4, nullptr, sealed.data(),
                                             k.bytes().data());
  auto plain = OpenText(k, sealed, "ad-7");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "hello");
}

TEST(Seal, DeriveKeyIsTheKeyedBlake2bOfTheContext) {
  ASSERT_TRUE(InitCrypto().ok());
  std::array<uint8_t, kKeyBytes> parent;
  parent.fill(0x11);
  Key a = DeriveKey(parent, "candor-probe-vault-v1");
  Key b = DeriveKey(parent, "candor-probe-vault-v1");
  Key c = DeriveKey(parent, "candor-search-book-v1");
  EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));
  EXPECT_FALSE(std::equal(a.bytes().begin(), a.bytes().end(), c.bytes().begin()));
  std::array<uint8_t, kKeyBytes> want;
  const std::string ctx = "candor-probe-vault-v1";
  crypto_generichash(want.data(), want.size(), B(ctx).data(), ctx.size(), parent.data(),
                     parent.size());
  EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), want.begin()));
}

// A probe file written by the server's ProbeVault before this helper existed
// (crypto_secretbox_easy under DeriveKey(0x11 x 32, "candor-probe-vault-v1"),
// image "legacy probe image bytes"), captured from that code.
constexpr char kLegacyProbeHex[] =
    "e143df7f08a2eab858fb4dc51ea1665ccaf16f3ecc7fb6c6e14d6145ab71623a5c2793f072fb4fa94df0fe316aa0a7"
    "9bb0cf478650b32365ca6fbfb491ad675b";

TEST(Seal, OpensLegacySecretBoxProbeFiles) {
  ASSERT_TRUE(InitCrypto().ok());
  std::array<uint8_t, kKeyBytes> store;
  store.fill(0x11);
  Key k = DeriveKey(store, "candor-probe-vault-v1");
  std::vector<uint8_t> legacy = FromHex(kLegacyProbeHex);
  auto image = OpenLegacySecretBox(k, legacy);
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(*image, "legacy probe image bytes");
  EXPECT_EQ(OpenLegacySecretBox(Key::Random(), legacy).status().code(), Code::kUnauthenticated);
  legacy.back() ^= 1;
  EXPECT_EQ(OpenLegacySecretBox(k, legacy).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(OpenLegacySecretBox(k, std::span(legacy).first(39)).status().code(), Code::kDataLoss);
  // The current format is not mistaken for the legacy one, nor the reverse.
  EXPECT_FALSE(OpenLegacySecretBox(k, Seal(k, "x", "")).ok());
  EXPECT_FALSE(OpenText(k, FromHex(kLegacyProbeHex), "").ok());
}

}  // namespace
}  // namespace candor::crypto
