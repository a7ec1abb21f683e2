// Copyright 2026 The Candor Authors.
//
// The tamper-evident audit log.
//
// Every request that touches biometric data, authorizations or accounts,
// refused ones included, is recorded as an AuditEntry in an append-only file:
//
//   record   := length:u32le  masked_crc32c:u32le  type:u8  payload[length]
//   type 1   := entry       payload = canonical JSON of the entry, incl. "prev"
//   type 2   := checkpoint  payload = canonical JSON {count, head, time_ms, sig}
//
// Entries are hash-chained: head_n = SHA-256(head_{n-1} || payload_n), head_0 =
// 32 zero bytes, and each payload also names head_{n-1} in "prev" so a break can
// be located. Every `checkpoint_every` entries (and on Close) a checkpoint signed
// with Ed25519 commits to (count, head). After every acknowledged append the
// signed head is also written durably to an anchor file (`<log>.anchor`) that
// auditors copy off the machine: it detects truncation after the last
// checkpoint and a wholesale rewrite of the file. The anchor holds two fixed
// 512-byte slots written alternately in place, so a crash mid-write leaves the
// other slot valid.
//
// Durability: Append returns only after the record is fsync'ed (group commit:
// concurrent appends share one fdatasync and one anchor write). On Open a torn
// tail (an incomplete or checksum-failing last record, left by a crash) is
// truncated and the truncation itself is appended as an "audit.recovered"
// entry. Corruption that is not at the tail is never repaired: Open fails with
// DATA_LOSS and VerifyAuditLog says where.
//
// Thread safety: AuditLog is internally synchronised; Append may be called from
// many threads. Only one process may have a log open for writing (an exclusive
// flock is held; a second Open fails with UNAVAILABLE).

#ifndef CANDOR_AUDIT_H_
#define CANDOR_AUDIT_H_

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "candor/status.h"

namespace candor {

namespace audit_internal {
struct Record;
}

struct AuditEntry {
  uint64_t seq = 0;     // assigned by Append (1-based, dense)
  int64_t time_ms = 0;  // assigned by Append from the log's clock (Unix ms)
  std::string actor;    // account name, or "-" for an unauthenticated caller
  std::string role;     // the actor's role at the time
  std::string action;   // e.g. "search.identify", "account.create", "auth.signin"
  std::string authorization_id;
  std::string gallery;
  std::string probe_hash;            // hex SHA-256 of the probe image, never the image
  int64_t candidates_returned = -1;  // -1 = not applicable
  std::string decision;              // "allow" | "deny" | "" (not a policy decision)
  std::string outcome;               // "ok" | "error" | "no_candidate" | "candidates" | ...
  std::string reason;                // refusal reason or free-text detail (no biometric data)
};

// Ed25519 signing key for checkpoints. The secret key never leaves this struct
// except through WriteAuditKey.
struct AuditSigningKey {
  std::vector<uint8_t> secret;      // crypto_sign_SECRETKEYBYTES (64)
  std::vector<uint8_t> public_key;  // crypto_sign_PUBLICKEYBYTES (32)
};

// A fresh random key pair.
AuditSigningKey GenerateAuditKey();
// Writes the secret key (hex, mode 0600) to `secret_path` and the public key
// (hex) to `public_path`. ALREADY_EXISTS if `secret_path` exists.
Status WriteAuditKey(const AuditSigningKey& key, const std::filesystem::path& secret_path,
                     const std::filesystem::path& public_path);
// Reads a secret key file written by WriteAuditKey. NOT_FOUND / DATA_LOSS.
StatusOr<AuditSigningKey> ReadAuditKey(const std::filesystem::path& secret_path);
// Reads a public key file (64 hex characters). NOT_FOUND / INVALID_ARGUMENT.
StatusOr<std::vector<uint8_t>> ReadAuditPublicKey(const std::filesystem::path& public_path);

// A second, replicated copy of one audit log's records, kept in step by
// AuditLog (the cluster's JetStream audit stream, candor/cluster.h
// OpenAuditStream). Records (entries and checkpoints alike) are numbered 1,
// 2, ... in file order and handed over as their framed bytes, exactly as the
// file holds them, so the copy verifies with the same public key and can
// replace a lost file byte for byte.
// Thread safety: AuditLog calls one method at a time.
class AuditMirror {
 public:
  virtual ~AuditMirror() = default;
  struct Tail {
    uint64_t count = 0;  // records the mirror holds
    std::string last;    // the last one's bytes ("" when count is 0)
  };
  virtual StatusOr<Tail> ReadTail() = 0;
  // Stores records first, first+1, ... and returns once they are durable
  // there. `first` is at most the mirror's count + 1: after a failure part-way
  // the caller hands over the same records again, and those the mirror already
  // holds are skipped. UNAVAILABLE when the mirror cannot acknowledge in time.
  virtual Status Append(uint64_t first, const std::vector<std::string>& records) = 0;
};

struct AuditLogOptions {
  uint64_t checkpoint_every = 64;  // entries between signed checkpoints (>= 1)
  std::function<int64_t()> clock;  // Unix ms; defaults to the system clock
  bool write_anchor = true;        // keep <path>.anchor up to date
  // With a mirror, Append (and Checkpoint) return only after the records are
  // durable in the file AND acknowledged by the mirror. If the mirror fails,
  // Append returns UNAVAILABLE: the entry is in the file (it stays in the
  // chain) but is not acknowledged; it is handed to the mirror again with the
  // next append or at the next Open. Open brings the mirror up to the file
  // (records it lacks are appended) and refuses with DATA_LOSS a file that
  // holds fewer records than the mirror, or whose record differs from the
  // mirror's last one (a lost or replaced file: recover it from the mirror).
  std::shared_ptr<AuditMirror> mirror;
};

// Result of VerifyAuditLog.
struct AuditVerifyReport {
  bool ok = false;
  uint64_t entries = 0;       // entries verified before any break
  uint64_t checkpoints = 0;   // valid signed checkpoints seen
  uint64_t break_seq = 0;     // first entry seq at which the chain breaks (0 = none)
  uint64_t break_offset = 0;  // byte offset of the offending record
  std::string problem;        // human-readable: what is wrong and where
  std::string head_hex;       // chain head after the last verified entry
};

class AuditLog {
 public:
  // Opens (creating if absent) the log at `path`, recovering a torn tail.
  // Errors: DATA_LOSS (corruption not at the tail, or the anchor attests more
  // entries than the log holds), UNAVAILABLE (open elsewhere), INTERNAL (I/O).
  static StatusOr<std::unique_ptr<AuditLog>> Open(const std::filesystem::path& path,
                                                  AuditSigningKey key,
                                                  AuditLogOptions options = {});
  ~AuditLog();  // writes a final checkpoint if entries were added since the last

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `entry` (seq and time_ms are assigned) and fsyncs. Returns the seq.
  // On error the entry is not acknowledged and the log refuses further appends
  // (FAILED_PRECONDITION) until reopened.
  StatusOr<uint64_t> Append(AuditEntry entry);

  // Writes a signed checkpoint now.
  Status Checkpoint();

  uint64_t size() const;         // entries in the log
  std::string head_hex() const;  // current chain head
  const std::filesystem::path& path() const { return path_; }

  // A consistent view of the log while it is being written, for readers in the
  // writer's process (the server's auditor routes). VerifyLive reads the anchor
  // first, then exactly the records completely written at that moment, so an
  // Append() racing with it can neither show up as a torn tail nor make the
  // anchor attest more than was read. `public_key` is the key to verify with
  // (the configured one, not necessarily the writer's own). Appends continue
  // while these run; what they add is not included. Thread-safe. Errors as
  // VerifyAuditLog / ReadAuditEntries.
  StatusOr<AuditVerifyReport> VerifyLive(const std::vector<uint8_t>& public_key) const;
  StatusOr<std::vector<AuditEntry>> ReadLive() const;

 private:
  AuditLog(std::filesystem::path path, AuditSigningKey key, AuditLogOptions options);
  Status WriteRecordLocked(uint8_t type, const std::string& payload);  // no sync
  Status WriteCheckpointLocked();                                      // no sync
  StatusOr<uint64_t> WriteEntryLocked(AuditEntry entry);               // no sync
  Status AwaitDurableLocked(std::unique_lock<std::mutex>& lock, uint64_t op);
  Status WriteAnchorSlot(const std::string& payload);
  Status CatchUpMirror(std::string_view data, const std::vector<audit_internal::Record>& records);

  const std::filesystem::path path_;
  const AuditSigningKey key_;
  const AuditLogOptions options_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // VerifyLive waits on it too
  bool syncing_ = false;      // a thread is syncing with mu_ released
  uint64_t written_ops_ = 0;  // records written (page cache)
  uint64_t synced_ops_ = 0;   // records known durable
  int anchor_slot_ = 0;       // slot last written (syncer only)
  int fd_ = -1;
  int anchor_fd_ = -1;
  bool broken_ = false;
  uint64_t count_ = 0;
  uint64_t last_checkpoint_count_ = 0;
  uint64_t written_bytes_ = 0;  // end of the last completely written record
  std::vector<uint8_t> head_;   // 32 bytes
  // Mirror: records written but not yet acknowledged by it, in order; the
  // first is record number mirrored_records_ + 1 of the file.
  std::vector<std::string> unmirrored_;
  uint64_t mirrored_records_ = 0;
  uint64_t mirrored_ops_ = 0;  // records of written_ops_ the mirror acknowledged
};

// Verifies the whole log: framing and checksums, dense increasing seq, hash
// chain, every checkpoint's signature / count / head, and (if `anchor_path` is
// non-empty) that the signed anchor's count and head match the log. Detects
// modified, deleted, inserted, reordered and truncated entries; truncation after
// the last checkpoint needs the anchor (without it, report.problem notes how
// many entries are not yet attested). Returns a report (ok=false says where it
// breaks); the StatusOr itself fails only for I/O errors or a bad public key.
StatusOr<AuditVerifyReport> VerifyAuditLog(const std::filesystem::path& log_path,
                                           const std::vector<uint8_t>& public_key,
                                           const std::filesystem::path& anchor_path = {});

// VerifyAuditLog over a log's bytes held in memory (e.g. read back from an
// AuditMirror), with the same checks and report.
StatusOr<AuditVerifyReport> VerifyAuditBytes(std::string_view data,
                                             const std::vector<uint8_t>& public_key,
                                             const std::filesystem::path& anchor_path = {});

// Reads every entry (no verification; for reports and tools). DATA_LOSS on a
// framing error.
StatusOr<std::vector<AuditEntry>> ReadAuditEntries(const std::filesystem::path& log_path);

}  // namespace candor

#endif  // CANDOR_AUDIT_H_
