// Copyright 2026 The Candor Authors.

#include "common/seal.h"

#include <sodium.h>

#include <cstring>

namespace candor::crypto {

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kKeyBytes == crypto_secretbox_KEYBYTES);

namespace {
std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
}  // namespace

Key::Key(std::span<const uint8_t, kKeyBytes> bytes) {
  std::memcpy(bytes_.data(), bytes.data(), kKeyBytes);
}

Key::~Key() { sodium_memzero(bytes_.data(), bytes_.size()); }

Key Key::Random() {
  Key k;
  randombytes_buf(k.bytes_.data(), k.bytes_.size());
  return k;
}

Status InitCrypto() {
  static const int rc = sodium_init();
  if (rc < 0) return InternalError("libsodium failed to initialise");
  return OkStatus();
}

Key DeriveKey(std::span<const uint8_t, kKeyBytes> parent, std::string_view context) {
  std::array<uint8_t, kKeyBytes> raw{};
  crypto_generichash(raw.data(), raw.size(), reinterpret_cast<const unsigned char*>(context.data()),
                     context.size(), parent.data(), parent.size());
  Key key(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

void Seal(const Key& key, std::span<const uint8_t> plain, std::span<const uint8_t> ad,
          std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + plain.size() + kSealOverhead);
  uint8_t* nonce = out.data() + start;
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, &clen, plain.data(), plain.size(),
                                             ad.data(), ad.size(), nullptr, nonce,
                                             key.bytes().data());
}

std::vector<uint8_t> Seal(const Key& key, std::string_view plain, std::string_view ad) {
  std::vector<uint8_t> out;
  Seal(key, Bytes(plain), Bytes(ad), out);
  return out;
}

Status Open(const Key& key, std::span<const uint8_t> sealed, std::span<const uint8_t> ad,
            std::span<uint8_t> plain) {
  if (sealed.size() < kSealOverhead || plain.size() != sealed.size() - kSealOverhead) {
    return InvalidArgumentError("sealed buffer has the wrong size");
  }
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), &mlen, nullptr, sealed.data() + kNonceBytes, sealed.size() - kNonceBytes,
          ad.data(), ad.size(), sealed.data(), key.bytes().data()) != 0) {
    return UnauthenticatedError("decryption failed: wrong key or altered data");
  }
  return OkStatus();
}

StatusOr<std::string> OpenText(const Key& key, std::span<const uint8_t> sealed,
                               std::string_view ad) {
  if (sealed.size() < kSealOverhead) return DataLossError("sealed value is truncated");
  std::string plain(sealed.size() - kSealOverhead, '\0');
  Status s = Open(key, sealed, Bytes(ad), {reinterpret_cast<uint8_t*>(plain.data()), plain.size()});
  if (!s.ok()) {
    sodium_memzero(plain.data(), plain.size());
    return s;
  }
  return plain;
}

StatusOr<std::string> OpenLegacySecretBox(const Key& key, std::span<const uint8_t> sealed) {
  constexpr size_t kOver = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (sealed.size() < kOver) return DataLossError("sealed value is truncated");
  std::string plain(sealed.size() - kOver, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 sealed.data() + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, sealed.data(),
                                 key.bytes().data()) != 0) {
    return UnauthenticatedError("decryption failed: wrong key or altered data");
  }
  return plain;
}

}  // namespace candor::crypto
