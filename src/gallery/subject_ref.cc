// Copyright 2026 The Candor Authors.

#include "gallery/subject_ref.h"

#include <sodium.h>

#include <array>

namespace candor::gallery {

std::string SubjectRefFor(const Key& data_key, std::string_view gallery,
                          std::string_view subject_id) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, data_key.bytes().data(), data_key.bytes().size());
  static constexpr char kContext[] = "candor subject ref v1";  // with its NUL
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(kContext),
                                sizeof kContext);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(gallery.data()),
                                gallery.size());
  const unsigned char zero = 0;
  crypto_auth_hmacsha256_update(&st, &zero, 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(subject_id.data()),
                                subject_id.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&st, mac.data());
  std::string hex(33, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), 16);
  hex.resize(32);
  sodium_memzero(mac.data(), mac.size());
  return std::string(kSubjectRefPrefix) + hex;
}

}  // namespace candor::gallery
