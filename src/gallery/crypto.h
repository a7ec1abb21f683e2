// Copyright 2026 The Candor Authors.
//
// Encryption at rest for the gallery store: the store master key and how it
// is loaded; sealing itself is common/seal.h (XChaCha20-Poly1305 AEAD).
//
// Key hierarchy: one 32-byte store master key (from a key file or the
// environment, never stored in the store) wraps one random 32-byte data key
// per subject; a subject's templates are sealed with its data key. Destroying
// the wrapped data key (crypto-shredding) makes the subject's templates
// unrecoverable even to a holder of the master key and every file.
//
// Thread safety: all functions are thread-safe.

#ifndef CANDOR_GALLERY_CRYPTO_H_
#define CANDOR_GALLERY_CRYPTO_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"
#include "common/seal.h"

namespace candor::gallery {

// The key type and the sealing functions are the one helper in common/seal.h;
// the gallery names them as its own.
using crypto::InitCrypto;
using crypto::Key;
using crypto::kKeyBytes;
using crypto::kNonceBytes;
using crypto::kSealOverhead;
using crypto::kTagBytes;
using crypto::Open;
using crypto::Seal;

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

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_CRYPTO_H_
