// Copyright 2026 The Candor Authors.
//
// Whole-file reads with clear errors, and durable writes the leveldb way.
//
// ReadFile(path, max_bytes): the file's bytes, or
//   NOT_FOUND           the path does not exist,
//   INVALID_ARGUMENT    the path is a directory or not a regular file,
//   PERMISSION_DENIED   it exists but cannot be opened,
//   RESOURCE_EXHAUSTED  it is larger than max_bytes (message gives both sizes),
//   DATA_LOSS           a read error or the file changed size while being read.
//
// WriteFileAtomic(path, bytes): after an OK return the file holds exactly
//   `bytes` and survives a crash or power loss; after a crash at any point the
//   file holds either its old content or the new one, never a mix. It writes a
//   temporary file in the same directory, fsyncs it, renames it over `path`
//   and fsyncs the directory. The temporary is removed on failure.
//
// SyncDir(dir): fsync a directory so renames/creations in it are durable.
//
// Thread safety: the functions hold no state; concurrent writers of the same
// path each produce a complete file (last rename wins).

#ifndef CANDOR_COMMON_FILE_UTIL_H_
#define CANDOR_COMMON_FILE_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor {

inline constexpr uint64_t kDefaultMaxFileBytes = 256ull << 20;  // 256 MiB

StatusOr<std::vector<uint8_t>> ReadFile(const std::filesystem::path& path,
                                        uint64_t max_bytes = kDefaultMaxFileBytes);

Status WriteFileAtomic(const std::filesystem::path& path, std::span<const uint8_t> bytes);
inline Status WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes) {
  return WriteFileAtomic(
      path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Status SyncDir(const std::filesystem::path& dir);

}  // namespace candor

#endif  // CANDOR_COMMON_FILE_UTIL_H_
