// Copyright 2026 The Candor Authors.

#include "gallery/crypto.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "gallery/env.h"

namespace candor::gallery {

StatusOr<Key> ParseKey(std::span<const uint8_t> contents, std::string_view source) {
  if (contents.size() == kKeyBytes) return Key(contents.first<kKeyBytes>());
  size_t b = 0, e = contents.size();
  while (b < e && std::isspace(contents[b])) ++b;
  while (e > b && std::isspace(contents[e - 1])) --e;
  std::array<uint8_t, kKeyBytes> raw{};
  size_t bin_len = 0;
  if (e - b != 2 * kKeyBytes ||
      sodium_hex2bin(raw.data(), raw.size(), reinterpret_cast<const char*>(contents.data() + b),
                     e - b, nullptr, &bin_len, nullptr) != 0 ||
      bin_len != kKeyBytes) {
    return InvalidArgumentError("key from " + std::string(source) +
                                " must be 32 raw bytes or 64 hex digits");
  }
  Key key(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

StatusOr<Key> LoadMasterKey(const std::string& key_file) {
  CANDOR_RETURN_IF_ERROR(InitCrypto());
  std::string path = key_file;
  if (path.empty()) {
    if (const char* env = std::getenv("CANDOR_KEY_FILE"); env && *env) path = env;
  }
  if (!path.empty()) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("cannot read key file", path, errno);
    if (!S_ISREG(st.st_mode)) return InvalidArgumentError("key file " + path + " is not a file");
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
      return PermissionDeniedError("key file " + path +
                                   " is readable by group or others; chmod 600 it");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return ErrnoStatus("cannot read key file", path, errno);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    auto key = ParseKey(bytes, "key file " + path);
    sodium_memzero(bytes.data(), bytes.size());
    return key;
  }
  if (const char* hex = std::getenv("CANDOR_KEY"); hex && *hex) {
    std::string_view s(hex);
    return ParseKey(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()),
                    "$CANDOR_KEY");
  }
  return UnauthenticatedError(
      "no store key: pass --key-file FILE or set CANDOR_KEY_FILE (or CANDOR_KEY, 64 hex "
      "digits); create one with `candor gallery keygen --out FILE`");
}

Status WriteNewKeyFile(const std::string& path) {
  CANDOR_RETURN_IF_ERROR(InitCrypto());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return AlreadyExistsError("key file " + path + " already exists");
    return ErrnoStatus("cannot create key file", path, errno);
  }
  Key key = Key::Random();
  char hex[2 * kKeyBytes + 1];
  sodium_bin2hex(hex, sizeof(hex), key.bytes().data(), kKeyBytes);
  hex[2 * kKeyBytes] = '\n';
  ssize_t n = ::write(fd, hex, sizeof(hex));
  int err = errno;
  sodium_memzero(hex, sizeof(hex));
  if (n != static_cast<ssize_t>(sizeof(hex)) || ::fsync(fd) != 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return ErrnoStatus("cannot write key file", path, n < 0 ? err : EIO);
  }
  ::close(fd);
  return OkStatus();
}

}  // namespace candor::gallery
