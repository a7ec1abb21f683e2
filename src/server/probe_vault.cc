// Copyright 2026 The Candor Authors.

#include "server/probe_vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

namespace candor::server {

ProbeVault::ProbeVault(std::filesystem::path dir, const StoreKey& key) : dir_(std::move(dir)) {
  // A sub-key for probes, so the store key itself never seals these files.
  crypto_generichash(key_.data(), key_.size(),
                     reinterpret_cast<const unsigned char*>("candor-probe-vault-v1"), 21,
                     key.data(), key.size());
}

StatusOr<std::filesystem::path> ProbeVault::PathFor(const std::string& id) const {
  if (id.empty() || id.size() > 128 ||
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
          std::string::npos) {
    return InvalidArgumentError("bad search id");
  }
  if (dir_.empty()) return UnavailableError("this server keeps no probe images");
  return dir_ / (id + ".probe");
}

Status ProbeVault::Put(const std::string& search_id, const std::string& image) {
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path path, PathFor(search_id));
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::vector<unsigned char> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 image.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(image.data()), image.size(),
                        out.data(), key_.data());
  const std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot write probe file " + tmp);
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::write(fd, out.data() + off, out.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return InternalError("cannot write probe file " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return InternalError("cannot store probe file " + path.string());
  }
  return OkStatus();
}

StatusOr<std::string> ProbeVault::Get(const std::string& search_id) const {
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path path, PathFor(search_id));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFoundError("no probe image for search '" + search_id + "' (purged or never kept)");
  std::vector<unsigned char> buf((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  if (buf.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return DataLossError("probe file " + path.string() + " is truncated");
  }
  std::string out(buf.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(out.data()), buf.data() + crypto_secretbox_NONCEBYTES,
          buf.size() - crypto_secretbox_NONCEBYTES, buf.data(), key_.data()) != 0) {
    return DataLossError("probe file " + path.string() + " fails authentication");
  }
  return out;
}

Status ProbeVault::Delete(const std::string& search_id) {
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path path, PathFor(search_id));
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) return InternalError("cannot delete probe file " + path.string() + ": " + ec.message());
  return OkStatus();
}

}  // namespace candor::server
