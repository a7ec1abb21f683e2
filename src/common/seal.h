// Copyright 2026 The Candor Authors.
//
// The one sealing helper: authenticated encryption at rest with libsodium's
// XChaCha20-Poly1305 (IETF AEAD), used by the gallery store (templates,
// images, subject keys, attributes), the server's search book and probe
// vault, and the cluster bus.
//
// Sealed format (unchanged since the first store): nonce (24 random bytes) ||
// ciphertext || tag (16 bytes); `ad` (associated data, e.g. a record id) is
// authenticated but not stored, so a sealed value moved to another id fails
// to open. Sub-keys are derived with DeriveKey so a master key never seals
// anything itself.
//
// Thread safety: all functions are thread-safe; a Key is a value that wipes
// itself on destruction.

#ifndef CANDOR_COMMON_SEAL_H_
#define CANDOR_COMMON_SEAL_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor::crypto {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kNonceBytes = 24;
inline constexpr size_t kTagBytes = 16;
// Bytes Seal adds to a plaintext: nonce + tag.
inline constexpr size_t kSealOverhead = kNonceBytes + kTagBytes;

// A 32-byte symmetric key; wiped on destruction.
class Key {
 public:
  Key() { bytes_.fill(0); }
  explicit Key(std::span<const uint8_t, kKeyBytes> bytes);
  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  ~Key();
  static Key Random();
  std::span<const uint8_t, kKeyBytes> bytes() const { return bytes_; }

 private:
  std::array<uint8_t, kKeyBytes> bytes_;
};

// Initialises libsodium once; INTERNAL if it cannot. Every other function
// here assumes it has returned OK (Key::Random included).
[[nodiscard]] Status InitCrypto();

// A sub-key for one purpose: keyed BLAKE2b-256 of `context` under `parent`
// (crypto_generichash(out, 32, context, parent)). The same parent and
// context always give the same key; different contexts give unrelated keys.
Key DeriveKey(std::span<const uint8_t, kKeyBytes> parent, std::string_view context);

// Seals `plain` under `key` with associated data `ad` and a random nonce,
// appending plain.size() + kSealOverhead bytes to `out`.
void Seal(const Key& key, std::span<const uint8_t> plain, std::span<const uint8_t> ad,
          std::vector<uint8_t>& out);
// The same, for text: returns the sealed bytes.
std::vector<uint8_t> Seal(const Key& key, std::string_view plain, std::string_view ad);

// Opens what Seal produced into `plain`, which must be sealed.size() -
// kSealOverhead bytes (INVALID_ARGUMENT otherwise). UNAUTHENTICATED if the
// key is wrong or the bytes or `ad` were altered.
[[nodiscard]] Status Open(const Key& key, std::span<const uint8_t> sealed,
                          std::span<const uint8_t> ad, std::span<uint8_t> plain);
// The same, for text. DATA_LOSS if `sealed` is shorter than kSealOverhead;
// UNAUTHENTICATED as above.
StatusOr<std::string> OpenText(const Key& key, std::span<const uint8_t> sealed,
                               std::string_view ad);

// Opens the one older format still found on disk: probe images the server
// kept before it sealed them with Seal (crypto_secretbox_easy: nonce (24) ||
// tag (16) || XSalsa20 ciphertext, no associated data). Nothing writes this
// format any more. DATA_LOSS if truncated; UNAUTHENTICATED if it does not
// authenticate under `key`.
StatusOr<std::string> OpenLegacySecretBox(const Key& key, std::span<const uint8_t> sealed);

}  // namespace candor::crypto

#endif  // CANDOR_COMMON_SEAL_H_
