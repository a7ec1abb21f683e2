// Copyright 2026 The Candor Authors.
//
// Ed25519 key files for audit checkpoints (hex text; the secret key 0600).

#include <sodium.h>
#include <sys/stat.h>

#include <string>

#include "candor/audit.h"
#include "common/file_util.h"
#include "common/hash.h"

namespace candor {
namespace {

StatusOr<std::vector<uint8_t>> ReadHexFile(const std::filesystem::path& path, size_t bytes) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, ReadFile(path, 4096));
  std::string text(raw.begin(), raw.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  std::vector<uint8_t> out(bytes);
  size_t len = 0;
  if (text.size() != 2 * bytes ||
      sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr) !=
          0 ||
      len != bytes) {
    return InvalidArgumentError(path.string() + ": expected " + std::to_string(2 * bytes) +
                                " hex characters");
  }
  return out;
}

}  // namespace

AuditSigningKey GenerateAuditKey() {
  if (sodium_init() < 0) std::abort();
  AuditSigningKey key;
  key.secret.resize(crypto_sign_SECRETKEYBYTES);
  key.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_keypair(key.public_key.data(), key.secret.data());
  return key;
}

Status WriteAuditKey(const AuditSigningKey& key, const std::filesystem::path& secret_path,
                     const std::filesystem::path& public_path) {
  std::error_code ec;
  if (std::filesystem::exists(secret_path, ec)) {
    return AlreadyExistsError(secret_path.string() + " exists; refusing to overwrite an audit key");
  }
  if (secret_path.has_parent_path())
    std::filesystem::create_directories(secret_path.parent_path(), ec);
  const mode_t old = umask(077);
  Status s = WriteFileAtomic(secret_path, HexEncode(key.secret) + "\n");
  umask(old);
  CANDOR_RETURN_IF_ERROR(s);
  ::chmod(secret_path.c_str(), 0600);
  return WriteFileAtomic(public_path, HexEncode(key.public_key) + "\n");
}

StatusOr<AuditSigningKey> ReadAuditKey(const std::filesystem::path& secret_path) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  auto secret = ReadHexFile(secret_path, crypto_sign_SECRETKEYBYTES);
  if (!secret.ok()) {
    if (secret.status().code() == Code::kNotFound) return secret.status();
    return DataLossError(secret.status().message());
  }
  AuditSigningKey key;
  key.secret = std::move(secret).value();
  key.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_ed25519_sk_to_pk(key.public_key.data(), key.secret.data());
  return key;
}

StatusOr<std::vector<uint8_t>> ReadAuditPublicKey(const std::filesystem::path& public_path) {
  return ReadHexFile(public_path, crypto_sign_PUBLICKEYBYTES);
}

}  // namespace candor
