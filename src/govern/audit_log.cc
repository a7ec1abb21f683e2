// Copyright 2026 The Candor Authors.

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "candor/audit.h"
#include "common/file_util.h"
#include "common/hash.h"
#include "govern/audit_record.h"

namespace candor {
namespace {

using namespace audit_internal;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ErrnoStatus(const std::string& what) {
  return InternalError(what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("audit log write");
    }
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

std::filesystem::path AnchorPath(const std::filesystem::path& log) {
  return std::filesystem::path(log.string() + ".anchor");
}

}  // namespace

AuditLog::AuditLog(std::filesystem::path path, AuditSigningKey key, AuditLogOptions options)
    : path_(std::move(path)), key_(std::move(key)), options_(std::move(options)), head_(32, 0) {}

AuditLog::~AuditLog() {
  std::unique_lock<std::mutex> lock(mu_);
  if (fd_ >= 0) {
    if (!broken_ && count_ > last_checkpoint_count_ && WriteCheckpointLocked().ok()) {
      AwaitDurableLocked(lock, written_ops_).IgnoreError();
    }
    ::close(fd_);
  }
  if (anchor_fd_ >= 0) ::close(anchor_fd_);
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::filesystem::path& path,
                                                   AuditSigningKey key, AuditLogOptions options) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  if (key.secret.size() != crypto_sign_SECRETKEYBYTES ||
      key.public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgumentError("audit signing key has the wrong size");
  }
  if (options.checkpoint_every == 0) return InvalidArgumentError("checkpoint_every must be >= 1");
  if (!options.clock) options.clock = SystemNowMs;
  std::unique_ptr<AuditLog> log(new AuditLog(path, std::move(key), std::move(options)));

  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  log->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (log->fd_ < 0) return ErrnoStatus("open " + path.string());
  if (::flock(log->fd_, LOCK_EX | LOCK_NB) != 0) {
    return UnavailableError("audit log " + path.string() + " is open in another process");
  }
  if (!existed && path.has_parent_path()) CANDOR_RETURN_IF_ERROR(SyncDir(path.parent_path()));

  // Replay: rebuild the chain head and find a torn tail.
  std::string data;
  {
    off_t size = ::lseek(log->fd_, 0, SEEK_END);
    if (size < 0) return ErrnoStatus("seek " + path.string());
    data.resize(static_cast<size_t>(size));
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pread(log->fd_, data.data() + done, data.size() - done, done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return ErrnoStatus("read " + path.string());
      done += static_cast<size_t>(n);
    }
  }
  ScanResult scan = ScanRecords(data);
  if (scan.end == ScanEnd::kCorrupt) {
    return DataLossError("audit log " + path.string() + " is corrupt: " + scan.problem +
                         " (run `candor audit verify`)");
  }
  for (const Record& rec : scan.records) {
    if (rec.type == kTypeEntry) {
      std::string prev;
      CANDOR_ASSIGN_OR_RETURN(AuditEntry e, DecodeEntry(rec.payload, &prev));
      if (e.seq != log->count_ + 1 || prev != Hex(log->head_)) {
        return DataLossError("audit log chain breaks at seq " + std::to_string(e.seq) + " (byte " +
                             std::to_string(rec.offset) + "); run `candor audit verify`");
      }
      log->head_ = ChainStep(log->head_, rec.payload);
      ++log->count_;
    } else {
      CANDOR_ASSIGN_OR_RETURN(audit_internal::Checkpoint c, DecodeCheckpoint(rec.payload));
      log->last_checkpoint_count_ = c.count;
    }
  }
  // The anchor must not attest more than we hold: that would be truncation.
  if (std::filesystem::exists(AnchorPath(path), ec)) {
    auto raw = ReadFile(AnchorPath(path), 1 << 16);
    if (raw.ok()) {
      auto c =
          ParseAnchor(std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size()),
                      log->key_.public_key);
      if (c.ok() && c->count > log->count_) {
        return DataLossError("audit log " + path.string() + " holds " +
                             std::to_string(log->count_) + " entries but its anchor attests " +
                             std::to_string(c->count) + ": entries were removed");
      }
    }
  }
  if (log->options_.mirror) CANDOR_RETURN_IF_ERROR(log->CatchUpMirror(data, scan.records));
  if (log->options_.write_anchor) {
    const bool anchor_existed = std::filesystem::exists(AnchorPath(path), ec);
    log->anchor_fd_ = ::open(AnchorPath(path).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (log->anchor_fd_ < 0) return ErrnoStatus("open " + AnchorPath(path).string());
    if (!anchor_existed && path.has_parent_path()) {
      CANDOR_RETURN_IF_ERROR(SyncDir(path.parent_path()));
    }
  }
  log->written_bytes_ = scan.good_bytes;
  if (scan.end == ScanEnd::kTornTail) {
    const uint64_t torn = data.size() - scan.good_bytes;
    if (::ftruncate(log->fd_, static_cast<off_t>(scan.good_bytes)) != 0 || ::fsync(log->fd_) != 0) {
      return ErrnoStatus("truncate torn tail of " + path.string());
    }
    ::lseek(log->fd_, 0, SEEK_END);
    AuditEntry e;
    e.actor = "candor";
    e.role = "system";
    e.action = "audit.recovered";
    e.outcome = "ok";
    e.reason = "truncated a torn tail of " + std::to_string(torn) + " bytes at byte " +
               std::to_string(scan.good_bytes) + ": " + scan.problem;
    ::lseek(log->fd_, 0, SEEK_END);
    CANDOR_RETURN_IF_ERROR(log->Append(std::move(e)).status());
  }
  ::lseek(log->fd_, 0, SEEK_END);
  return log;
}

// The file's records (as scanned at Open) against the mirror's: the mirror
// may lag (records written before it was configured, or not acknowledged
// before a crash) and is brought up to the file; it may never lead.
Status AuditLog::CatchUpMirror(std::string_view data,
                               const std::vector<audit_internal::Record>& records) {
  CANDOR_ASSIGN_OR_RETURN(AuditMirror::Tail tail, options_.mirror->ReadTail());
  auto framed = [&](uint64_t i) {  // record i (0-based) as framed in the file
    const Record& r = records[i];
    return std::string(data.substr(r.offset, kHeaderSize + r.payload.size()));
  };
  if (tail.count > records.size()) {
    return DataLossError("audit log " + path_.string() + " holds " +
                         std::to_string(records.size()) + " records but its replicated copy " +
                         std::to_string(tail.count) +
                         ": the file lost records; recover it from the copy "
                         "(candor audit recover) before starting");
  }
  if (tail.count > 0 && framed(tail.count - 1) != tail.last) {
    return DataLossError("audit log " + path_.string() + " record " + std::to_string(tail.count) +
                         " differs from its replicated copy's: one of them was replaced or "
                         "modified (candor audit verify with the copy says where)");
  }
  constexpr uint64_t kBatch = 256;
  for (uint64_t first = tail.count; first < records.size(); first += kBatch) {
    std::vector<std::string> batch;
    for (uint64_t i = first; i < std::min<uint64_t>(records.size(), first + kBatch); ++i) {
      batch.push_back(framed(i));
    }
    CANDOR_RETURN_IF_ERROR(options_.mirror->Append(first + 1, batch));
  }
  mirrored_records_ = records.size();
  return OkStatus();
}

Status AuditLog::WriteRecordLocked(uint8_t type, const std::string& payload) {
  std::string record = EncodeRecord(type, payload);
  Status s = WriteAll(fd_, record);
  if (!s.ok()) {
    broken_ = true;
    return s;
  }
  written_bytes_ += record.size();
  ++written_ops_;
  if (options_.mirror) unmirrored_.push_back(std::move(record));
  return OkStatus();
}

// Group commit: the first waiter becomes the syncer and makes everything
// written so far durable (log fdatasync, then the anchor slot, then the
// mirror's acknowledgement) with the lock released; the others wait for it.
// One sync serves every entry written before it started. A mirror failure
// leaves the records queued for the next syncer and fails this wait only.
Status AuditLog::AwaitDurableLocked(std::unique_lock<std::mutex>& lock, uint64_t op) {
  while (synced_ops_ < op || (options_.mirror && mirrored_ops_ < op)) {
    if (broken_) return FailedPreconditionError("audit log failed earlier; reopen it");
    if (syncing_) {
      cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_ops_;
    const bool need_sync = synced_ops_ < target;
    const uint64_t count = count_;
    const std::vector<uint8_t> head = head_;
    std::vector<std::string> batch;
    if (options_.mirror) {
      batch.assign(unmirrored_.begin(),
                   unmirrored_.begin() + static_cast<ptrdiff_t>(target - mirrored_ops_));
    }
    const uint64_t first = mirrored_records_ + 1;
    lock.unlock();
    Status s;
    if (need_sync && ::fdatasync(fd_) != 0) s = ErrnoStatus("fdatasync audit log");
    if (need_sync && s.ok() && options_.write_anchor) {
      s = WriteAnchorSlot(EncodeCheckpoint(count, head, options_.clock(), key_));
    }
    Status m;
    if (s.ok() && !batch.empty()) m = options_.mirror->Append(first, batch);
    lock.lock();
    syncing_ = false;
    if (s.ok()) {
      synced_ops_ = target;
    } else {
      broken_ = true;
    }
    if (s.ok() && m.ok() && options_.mirror) {
      unmirrored_.erase(unmirrored_.begin(),
                        unmirrored_.begin() + static_cast<ptrdiff_t>(batch.size()));
      mirrored_records_ += batch.size();
      mirrored_ops_ = target;
    }
    cv_.notify_all();
    if (!s.ok()) return s;
    if (!m.ok()) {
      return UnavailableError(
          "the audit entry is in the local log but its replicated copy did not acknowledge "
          "it: " + m.message());
    }
  }
  return OkStatus();
}

StatusOr<uint64_t> AuditLog::Append(AuditEntry entry) {
  std::unique_lock<std::mutex> lock(mu_);
  CANDOR_ASSIGN_OR_RETURN(uint64_t seq, WriteEntryLocked(std::move(entry)));
  CANDOR_RETURN_IF_ERROR(AwaitDurableLocked(lock, written_ops_));
  return seq;
}

StatusOr<uint64_t> AuditLog::WriteEntryLocked(AuditEntry entry) {
  if (broken_) return FailedPreconditionError("audit log failed earlier; reopen it");
  entry.seq = count_ + 1;
  entry.time_ms = options_.clock();
  const std::string payload = EncodeEntry(entry, head_);
  if (payload.size() > kMaxPayload) return InvalidArgumentError("audit entry too large");
  CANDOR_RETURN_IF_ERROR(WriteRecordLocked(kTypeEntry, payload));
  head_ = ChainStep(head_, payload);
  ++count_;
  if (count_ - last_checkpoint_count_ >= options_.checkpoint_every) {
    CANDOR_RETURN_IF_ERROR(WriteCheckpointLocked());
  }
  return entry.seq;
}

Status AuditLog::Checkpoint() {
  std::unique_lock<std::mutex> lock(mu_);
  if (broken_) return FailedPreconditionError("audit log failed earlier; reopen it");
  CANDOR_RETURN_IF_ERROR(WriteCheckpointLocked());
  return AwaitDurableLocked(lock, written_ops_);
}

Status AuditLog::WriteCheckpointLocked() {
  const std::string payload = EncodeCheckpoint(count_, head_, options_.clock(), key_);
  CANDOR_RETURN_IF_ERROR(WriteRecordLocked(kTypeCheckpoint, payload));
  last_checkpoint_count_ = count_;
  return OkStatus();
}

// Only the syncer (one at a time) writes the anchor.
Status AuditLog::WriteAnchorSlot(const std::string& payload) {
  const std::string slot = AnchorSlot(payload);
  anchor_slot_ ^= 1;
  const off_t off = static_cast<off_t>(anchor_slot_ * kAnchorSlotSize);
  size_t done = 0;
  while (done < slot.size()) {
    ssize_t n = ::pwrite(anchor_fd_, slot.data() + done, slot.size() - done, off + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ErrnoStatus("write audit anchor");
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(anchor_fd_) != 0) return ErrnoStatus("fdatasync audit anchor");
  return OkStatus();
}

uint64_t AuditLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

std::string AuditLog::head_hex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Hex(head_);
}

}  // namespace candor
