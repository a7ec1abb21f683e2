// Copyright 2026 The Candor Authors.

#include "govern/secret_hash.h"

#include <sodium.h>

#include <cstring>
#include <vector>

namespace candor::govern_internal {

StatusOr<std::string> HashSecret(std::string_view secret, HashCost cost) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (cost != HashCost::kPassword) {
    ops = crypto_pwhash_OPSLIMIT_MIN;
    mem = crypto_pwhash_MEMLIMIT_MIN;
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhaustedError("Argon2id hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifySecret(std::string_view secret, const std::string& encoded) {
  if (sodium_init() < 0) return false;
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return crypto_pwhash_str_verify(encoded.c_str(), secret.data(), secret.size()) == 0;
}

std::string RandomHex(size_t bytes) {
  if (sodium_init() < 0) std::abort();
  std::vector<unsigned char> b(bytes);
  randombytes_buf(b.data(), b.size());
  std::string hex(2 * bytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), b.data(), b.size());
  hex.pop_back();
  return hex;
}

std::string RandomBase64Url(size_t bytes) {
  if (sodium_init() < 0) std::abort();
  std::vector<unsigned char> b(bytes);
  randombytes_buf(b.data(), b.size());
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace candor::govern_internal
