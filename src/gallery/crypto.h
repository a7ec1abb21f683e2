// Copyright 2026 The Candor Authors.
//
// Encryption at rest for the gallery store (libsodium XChaCha20-Poly1305 AEAD).
//
// Key hierarchy: one 32-byte store master key (from a key file or the
// environment, never stored in the store) wraps one random 32-byte data key
// per subject; a subject's templates are sealed with its data key. Destroying
// the wrapped data key (crypto-shredding) makes the subject's templates
// unrecoverable even to a holder of the master key and every file.
//
// Thread safety: all functions are thread-safe; a Key is a value.

#ifndef CANDOR_GALLERY_CRYPTO_H_
#define CANDOR_GALLERY_CRYPTO_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"

namespace candor::gallery {

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

// Initialises libsodium once; INTERNAL if it cannot.
Status InitCrypto();

// Parses a key file's contents: exactly 32 raw bytes, or 64 hex digits
// (surrounding whitespace ignored). INVALID_ARGUMENT otherwise.
StatusOr<Key> ParseKey(std::span<const uint8_t> contents, std::string_view source);

// The master key from, in order: `key_file` if non-empty, else the file named
// by $CANDOR_KEY_FILE, else 64 hex digits in $CANDOR_KEY. UNAUTHENTICATED if
// none is given; INVALID_ARGUMENT if malformed; the file must not be readable
// by group/others (PERMISSION_DENIED otherwise).
StatusOr<Key> LoadMasterKey(const std::string& key_file);

// Writes a fresh random key as 64 hex digits to `path` (mode 0600, durable);
// ALREADY_EXISTS if the file exists.
Status WriteNewKeyFile(const std::string& path);

// Seals `plain` under `key` with associated data `ad` and a random nonce.
// Output: nonce || ciphertext || tag (plain.size() + kSealOverhead bytes),
// appended to `out`.
void Seal(const Key& key, std::span<const uint8_t> plain, std::span<const uint8_t> ad,
          std::vector<uint8_t>& out);

// Opens what Seal produced; writes plain.size() bytes into `plain`
// (sealed.size() - kSealOverhead). UNAUTHENTICATED if the key is wrong or
// the bytes or `ad` were altered.
Status Open(const Key& key, std::span<const uint8_t> sealed, std::span<const uint8_t> ad,
            std::span<uint8_t> plain);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_CRYPTO_H_
