// Copyright 2026 The Candor Authors.
//
// Helpers for the gallery tests: scratch directories, a test key, synthetic
// templates, a fault-injecting Env (leveldb fault_injection_test style) and
// the fork / SIGKILL round of the crash tests.

#ifndef CANDOR_GALLERY_TEST_UTIL_H_
#define CANDOR_GALLERY_TEST_UTIL_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "candor/gallery.h"
#include "common/hash.h"
#include "gallery/env.h"

namespace candor::gallery::testing {

inline constexpr int kDim = 128;

// A fresh, empty directory under TMPDIR, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "candor-gallery-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string store() const { return path_ + "/store"; }

 private:
  std::string path_;
};

inline StoreKey TestKey(uint8_t seed = 7) {
  StoreKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(seed * 31 + i * 17 + 1);
  return k;
}

inline StoreOptions TestOptions(uint8_t key_seed = 7) {
  StoreOptions o;
  o.master_key = TestKey(key_seed);
  o.create_if_missing = true;
  o.index_spec = "Flat,fp32";
  return o;
}

inline Sha256Bytes ModelHash(std::string_view id) { return Sha256(id); }

// A unit-norm template of `dim` values drawn from `seed`.
inline Template RandomTemplate(uint64_t seed, int dim = kDim, std::string model = "testnet") {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  Template t;
  t.model_id = model;
  t.model_sha256 = ModelHash(model);
  t.values.resize(static_cast<size_t>(dim));
  double s = 0;
  for (float& v : t.values) {
    v = n(rng);
    s += double{v} * v;
  }
  for (float& v : t.values) v = static_cast<float>(v / std::sqrt(s));
  t.flags = kTemplateL2Normalized;
  return t;
}

inline TemplateInput Input(uint64_t seed, int dim = kDim) {
  TemplateInput in;
  in.tmpl = RandomTemplate(seed, dim);
  in.capture_date = "2026-11-22";
  in.quality = 0.9f;
  in.image_sha256 = Sha256(std::to_string(seed));
  return in;
}

// Stand-in "image" bytes (random, not a photo: the store treats images as
// opaque bytes) of `bytes` bytes drawn from `seed`.
inline std::vector<uint8_t> FakeImage(uint64_t seed, size_t bytes) {
  std::mt19937_64 rng(seed ^ 0x5eedf00dULL);
  std::vector<uint8_t> out(bytes);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Input(seed) whose source image is kept: image = FakeImage(seed, bytes).
inline TemplateInput InputWithImage(uint64_t seed, size_t bytes, int dim = kDim) {
  TemplateInput in = Input(seed, dim);
  in.image = FakeImage(seed, bytes);
  in.image_sha256 = Sha256(std::span<const uint8_t>(in.image));
  return in;
}

inline GalleryInfo TestGallery(std::string name = "licences") {
  GalleryInfo g;
  g.name = std::move(name);
  g.description = "state licence photos";
  g.legal_basis = "Motor Vehicle Act s.12";
  g.retention_class = "P10Y";
  g.allowed_search_bases = {"warrant", "court-order"};
  return g;
}

// One round of a crash test: forks a child that runs `child(fd)` (it writes
// each acknowledged operation as an int64 to `fd` and never returns; it
// _exit()s with a code of its own on an error), waits for its first
// acknowledgement when `after_first_ack` (so the kill lands mid-operation even
// on a loaded machine), sleeps `delay_us`, SIGKILLs it and returns everything
// it acknowledged, in order. A child that ended on its own (its exit code
// says where) or a failed pipe / fork / kill is an INTERNAL error.
inline StatusOr<std::vector<int64_t>> ForkAndKill(const std::function<void(int fd)>& child,
                                                  bool after_first_ack, unsigned delay_us) {
  int fds[2];
  if (::pipe(fds) != 0) return InternalError("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) return InternalError("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1]);
    _exit(2);  // the child must not return
  }
  ::close(fds[1]);
  std::vector<int64_t> acks;
  int64_t v;
  if (after_first_ack) {
    if (::read(fds[0], &v, sizeof v) != static_cast<ssize_t>(sizeof v)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::close(fds[0]);
      return InternalError("the child ended before its first acknowledgement");
    }
    acks.push_back(v);
  }
  ::usleep(delay_us);
  const bool killed = ::kill(pid, SIGKILL) == 0;
  int status = 0;
  const bool reaped = ::waitpid(pid, &status, 0) == pid;
  while (::read(fds[0], &v, sizeof v) == static_cast<ssize_t>(sizeof v)) acks.push_back(v);
  ::close(fds[0]);
  if (!killed || !reaped) return InternalError("could not kill or reap the child");
  if (!WIFSIGNALED(status)) {
    return InternalError("child exited on its own with " + std::to_string(WEXITSTATUS(status)));
  }
  return acks;
}

inline std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// True if `needle` occurs in any regular file under `dir`.
inline bool AnyFileContains(const std::string& dir, std::span<const uint8_t> needle,
                            std::string* where = nullptr) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto bytes = ReadAll(e.path().string());
    if (std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end()) {
      if (where) *where = e.path().string();
      return true;
    }
  }
  return false;
}

// Wraps PosixEnv; after `fail_after_bytes` more appended bytes, writes only
// what fits and then fails with ENOSPC (a full disk), until Reset.
class FullDiskEnv : public Env {
 public:
  void FailAfter(int64_t bytes) { budget_ = bytes; }
  void Reset() { budget_ = -1; }

  StatusOr<std::unique_ptr<AppendFile>> OpenAppend(const std::string& path) override {
    CANDOR_ASSIGN_OR_RETURN(auto f, PosixEnv()->OpenAppend(path));
    return std::unique_ptr<AppendFile>(new File(std::move(f), this));
  }
  StatusOr<std::unique_ptr<RandomAccessFile>> OpenRead(const std::string& path) override {
    return PosixEnv()->OpenRead(path);
  }
  Status SyncDir(const std::string& dir) override { return PosixEnv()->SyncDir(dir); }

 private:
  class File : public AppendFile {
   public:
    File(std::unique_ptr<AppendFile> f, FullDiskEnv* env) : f_(std::move(f)), env_(env) {}
    Status Append(std::span<const uint8_t> data) override {
      int64_t b = env_->budget_.load();
      if (b < 0) return f_->Append(data);
      size_t fit = std::min<size_t>(data.size(), static_cast<size_t>(b));
      if (fit > 0) CANDOR_RETURN_IF_ERROR(f_->Append(data.first(fit)));
      env_->budget_ = b - static_cast<int64_t>(fit);
      if (fit < data.size()) return ErrnoStatus("cannot write", f_->path(), ENOSPC);
      return OkStatus();
    }
    Status Sync() override { return f_->Sync(); }
    Status Truncate(uint64_t size) override { return f_->Truncate(size); }
    uint64_t Size() const override { return f_->Size(); }
    const std::string& path() const override { return f_->path(); }

   private:
    std::unique_ptr<AppendFile> f_;
    FullDiskEnv* env_;
  };
  std::atomic<int64_t> budget_{-1};
};

}  // namespace candor::gallery::testing

#endif  // CANDOR_GALLERY_TEST_UTIL_H_
