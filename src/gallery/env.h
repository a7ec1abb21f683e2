// Copyright 2026 The Candor Authors.
//
// A small file-system abstraction for the template segments, in the spirit of
// leveldb's Env: production code uses PosixEnv(); tests wrap it to inject
// faults (ENOSPC, short writes) without a full disk.
//
// Contract: every method returns a Status naming the file and the errno text;
// nothing throws. An AppendFile is owned by its caller and is not thread-safe;
// distinct files may be used from distinct threads. Env objects are
// thread-safe.

#ifndef CANDOR_GALLERY_ENV_H_
#define CANDOR_GALLERY_ENV_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "candor/status.h"

namespace candor::gallery {

// A file opened for appending at its current end.
class AppendFile {
 public:
  virtual ~AppendFile() = default;
  // Writes all of `data` at the end. On error some prefix may have been
  // written; the caller restores a known size with Truncate.
  virtual Status Append(std::span<const uint8_t> data) = 0;
  // fdatasync: returns once appended bytes are durable.
  virtual Status Sync() = 0;
  // Cuts the file to `size` bytes (<= current size) and syncs.
  virtual Status Truncate(uint64_t size) = 0;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// Read access at offsets (pread); safe for concurrent use.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly out.size() bytes at `offset`; OUT_OF_RANGE if past the end.
  virtual Status ReadAt(uint64_t offset, std::span<uint8_t> out) const = 0;
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // Opens (creating if missing) `path` for appending.
  virtual StatusOr<std::unique_ptr<AppendFile>> OpenAppend(const std::string& path) = 0;
  virtual StatusOr<std::unique_ptr<RandomAccessFile>> OpenRead(const std::string& path) = 0;
  // fsyncs a directory so a created or renamed entry is durable.
  virtual Status SyncDir(const std::string& dir) = 0;
};

// The process-wide POSIX Env. Never null; never destroyed.
Env* PosixEnv();

// "<what> <path>: <strerror(err)>" with a code derived from errno
// (ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED, EACCES -> PERMISSION_DENIED,
// ENOENT -> NOT_FOUND, otherwise UNAVAILABLE/INTERNAL).
Status ErrnoStatus(std::string_view what, const std::string& path, int err);

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_ENV_H_
