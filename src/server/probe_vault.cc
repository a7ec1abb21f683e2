// Copyright 2026 The Candor Authors.

#include "server/probe_vault.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "common/seal.h"

namespace candor::server {

ProbeVault::ProbeVault(std::filesystem::path dir, const StoreKey& key)
    : dir_(std::move(dir)),
      // A sub-key for probes, so the store key itself never seals these files.
      key_(crypto::DeriveKey(key, "candor-probe-vault-v1")) {}

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
  // The search id is the associated data: a probe file renamed to another search fails to open.
  const std::vector<uint8_t> out = crypto::Seal(key_, image, search_id);
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
  std::vector<uint8_t> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (buf.size() < crypto::kSealOverhead) {
    return DataLossError("probe file " + path.string() + " is truncated");
  }
  if (auto image = crypto::OpenText(key_, buf, search_id); image.ok()) return image;
  // Files kept before the one sealing helper (secretbox, no associated data).
  if (auto image = crypto::OpenLegacySecretBox(key_, buf); image.ok()) return image;
  return DataLossError("probe file " + path.string() + " fails authentication");
}

Status ProbeVault::Delete(const std::string& search_id) {
  CANDOR_ASSIGN_OR_RETURN(std::filesystem::path path, PathFor(search_id));
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) return InternalError("cannot delete probe file " + path.string() + ": " + ec.message());
  return OkStatus();
}

}  // namespace candor::server
