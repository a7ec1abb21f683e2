// Copyright 2026 The Candor Authors.

#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

namespace candor {
namespace {

std::string Errno(int e) { return std::strerror(e); }

Status OpenError(const std::filesystem::path& path, int e) {
  std::string m = "cannot open " + path.string() + ": " + Errno(e);
  if (e == ENOENT || e == ENOTDIR) return NotFoundError(m);
  if (e == EACCES || e == EPERM) return PermissionDeniedError(m);
  if (e == EISDIR) return InvalidArgumentError(m);
  return Status(Code::kUnavailable, m);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}());
  return ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++) + "." +
         std::to_string(rng() & 0xffffff);
}

}  // namespace

StatusOr<std::vector<uint8_t>> ReadFile(const std::filesystem::path& path, uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return OpenError(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return DataLossError("cannot stat " + path.string() + ": " + Errno(errno));
  if (S_ISDIR(st.st_mode))
    return InvalidArgumentError("is a directory, not a file: " + path.string());
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError("not a regular file: " + path.string());
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    return ResourceExhaustedError("file " + path.string() + " is " + std::to_string(size) +
                                  " bytes, over the limit of " + std::to_string(max_bytes));
  }
  std::vector<uint8_t> out(size);
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd.get(), out.data() + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EISDIR)
        return InvalidArgumentError("is a directory, not a file: " + path.string());
      return DataLossError("read error on " + path.string() + ": " + Errno(errno));
    }
    if (n == 0) return DataLossError("file " + path.string() + " shrank while being read");
    done += static_cast<uint64_t>(n);
  }
  // Detect growth after fstat (the file changed under us).
  uint8_t probe;
  ssize_t extra;
  do {
    extra = ::read(fd.get(), &probe, 1);
  } while (extra < 0 && errno == EINTR);
  if (extra > 0) return DataLossError("file " + path.string() + " grew while being read");
  return out;
}

Status SyncDir(const std::filesystem::path& dir) {
  std::filesystem::path d = dir.empty() ? std::filesystem::path(".") : dir;
  Fd fd(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return OpenError(d, errno);
  if (::fsync(fd.get()) != 0)
    return DataLossError("fsync of directory " + d.string() + " failed: " + Errno(errno));
  return OkStatus();
}

Status WriteFileAtomic(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  if (path.empty() || !path.has_filename())
    return InvalidArgumentError("no file name in path '" + path.string() + "'");
  std::filesystem::path dir = path.parent_path();
  std::filesystem::path tmp = path;
  tmp += TempSuffix();
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return OpenError(tmp, errno).WithContext("writing " + path.string());
  auto fail = [&](Status s) {
    ::close(fd.release());
    ::unlink(tmp.c_str());
    return s;
  };
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      if (e == ENOSPC || e == EDQUOT)
        return fail(ResourceExhaustedError("no space writing " + tmp.string()));
      return fail(DataLossError("write to " + tmp.string() + " failed: " + Errno(e)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0)
    return fail(DataLossError("fsync of " + tmp.string() + " failed: " + Errno(errno)));
  if (::close(fd.release()) != 0) {
    ::unlink(tmp.c_str());
    return DataLossError("close of " + tmp.string() + " failed: " + Errno(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    if (e == EISDIR)
      return InvalidArgumentError("cannot replace directory " + path.string() + " with a file");
    return DataLossError("rename " + tmp.string() + " -> " + path.string() +
                         " failed: " + Errno(e));
  }
  return SyncDir(dir);
}

}  // namespace candor
