// Copyright 2026 The Candor Authors.
//
// The store's single-writer lock: an exclusive, non-blocking flock on
// <dir>/LOCK, which also records the holder's pid. The kernel drops the lock
// when the holder exits or is killed, so a crashed writer never leaves a stale
// lock behind.
//
// Thread safety: a LockFile is owned by one Store.

#ifndef CANDOR_GALLERY_LOCK_FILE_H_
#define CANDOR_GALLERY_LOCK_FILE_H_

#include <memory>
#include <string>

#include "candor/status.h"

namespace candor::gallery {

class LockFile {
 public:
  // FAILED_PRECONDITION "store <dir> is already open for writing by process
  // <pid>" when another process holds it.
  static StatusOr<std::unique_ptr<LockFile>> Acquire(const std::string& dir);
  ~LockFile();

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_LOCK_FILE_H_
