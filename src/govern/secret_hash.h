// Copyright 2026 The Candor Authors.
//
// Argon2id hashing of passwords and tokens (libsodium crypto_pwhash_str), and
// random token generation. Passwords use the INTERACTIVE cost (64 MiB, ~0.1 s)
// by default; tokens are 256-bit random secrets, so the MIN cost suffices and
// keeps per-request authentication cheap (still Argon2id, as the issue asks).
// Thread-safe.

#ifndef CANDOR_GOVERN_SECRET_HASH_H_
#define CANDOR_GOVERN_SECRET_HASH_H_

#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor::govern_internal {

enum class HashCost { kPassword, kToken, kTestOnlyMinimal };

// The encoded Argon2id hash ("$argon2id$v=19$m=...").
StatusOr<std::string> HashSecret(std::string_view secret, HashCost cost);
// Constant-time check of `secret` against an encoded hash.
bool VerifySecret(std::string_view secret, const std::string& encoded);

// `bytes` random bytes as lower-case hex / URL-safe base64 without padding.
std::string RandomHex(size_t bytes);
std::string RandomBase64Url(size_t bytes);

}  // namespace candor::govern_internal

#endif  // CANDOR_GOVERN_SECRET_HASH_H_
