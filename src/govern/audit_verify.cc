// Copyright 2026 The Candor Authors.
//
// VerifyAuditLog and ReadAuditEntries, and the live views AuditLog::VerifyLive
// and AuditLog::ReadLive.

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "candor/audit.h"
#include "common/file_util.h"
#include "govern/audit_record.h"

namespace candor {
namespace {

using namespace audit_internal;

constexpr uint64_t kMaxLogBytes = 64ull << 30;

AuditVerifyReport Break(AuditVerifyReport r, uint64_t seq, uint64_t offset, std::string problem) {
  r.ok = false;
  r.break_seq = seq;
  r.break_offset = offset;
  r.problem = std::move(problem);
  return r;
}

// Verifies `data` (a whole log, or the prefix of one that a live writer had
// completely written) against `anchor` (the anchor file's bytes, read before
// `data`; nullopt = no anchor check). `anchor_name` names it in messages.
StatusOr<AuditVerifyReport> VerifyAuditData(std::string_view data,
                                            const std::vector<uint8_t>& public_key,
                                            const std::optional<std::string>& anchor,
                                            const std::string& anchor_name) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgumentError("audit public key must be 32 bytes");
  }
  ScanResult scan = ScanRecords(data);

  AuditVerifyReport r;
  std::vector<uint8_t> head(32, 0);
  std::map<uint64_t, std::string> head_at;  // count -> head hex, for the anchor
  head_at[0] = Hex(head);
  uint64_t last_checkpoint = 0;
  for (const Record& rec : scan.records) {
    if (rec.type == kTypeEntry) {
      std::string prev;
      auto e = DecodeEntry(rec.payload, &prev);
      const uint64_t expect = r.entries + 1;
      if (!e.ok()) {
        return Break(r, expect, rec.offset,
                     "entry at byte " + std::to_string(rec.offset) +
                         " is malformed: " + e.status().message());
      }
      if (e->seq != expect) {
        std::string kind = e->seq > expect   ? "entries deleted before it"
                           : e->seq < expect ? "an entry inserted, duplicated or reordered"
                                             : "";
        return Break(r, expect, rec.offset,
                     "expected entry seq " + std::to_string(expect) + " but found seq " +
                         std::to_string(e->seq) + " at byte " + std::to_string(rec.offset) + " (" +
                         kind + ")");
      }
      if (prev != Hex(head)) {
        return Break(r, expect, rec.offset,
                     "hash chain breaks at seq " + std::to_string(expect) + " (byte " +
                         std::to_string(rec.offset) + "): it does not commit to entry seq " +
                         std::to_string(expect - 1) + " as stored (seq " +
                         std::to_string(expect - 1) +
                         " was modified, or this entry was "
                         "inserted or moved)");
      }
      head = ChainStep(head, rec.payload);
      ++r.entries;
      head_at[r.entries] = Hex(head);
    } else {
      auto c = DecodeCheckpoint(rec.payload);
      if (!c.ok()) {
        return Break(r, r.entries + 1, rec.offset,
                     "checkpoint at byte " + std::to_string(rec.offset) + " is malformed");
      }
      if (!CheckpointSignatureValid(*c, public_key)) {
        return Break(r, r.entries, rec.offset,
                     "checkpoint at byte " + std::to_string(rec.offset) +
                         " has an invalid signature (forged or modified, or wrong public key)");
      }
      if (c->count != r.entries || c->head_hex != Hex(head)) {
        return Break(r, r.entries, rec.offset,
                     "signed checkpoint at byte " + std::to_string(rec.offset) + " attests " +
                         std::to_string(c->count) + " entries with head " +
                         c->head_hex.substr(0, 16) + "... but the log has " +
                         std::to_string(r.entries) + " entries with head " +
                         Hex(head).substr(0, 16) + "...: entries up to seq " +
                         std::to_string(r.entries) + " were modified, removed or rewritten");
      }
      last_checkpoint = c->count;
      ++r.checkpoints;
    }
  }
  r.head_hex = Hex(head);
  if (scan.end != ScanEnd::kClean) {
    return Break(r, r.entries + 1, scan.good_bytes,
                 std::string(scan.end == ScanEnd::kTornTail ? "torn tail: " : "corrupt record: ") +
                     scan.problem);
  }
  if (anchor) {
    auto c = ParseAnchor(*anchor, public_key);
    if (!c.ok()) {
      return Break(r, 0, 0, "anchor " + anchor_name + " is malformed or its signature is invalid");
    }
    if (c->count > r.entries) {
      return Break(r, r.entries + 1, scan.good_bytes,
                   "log truncated: the signed anchor attests " + std::to_string(c->count) +
                       " entries but the log holds " + std::to_string(r.entries) +
                       "; entries from seq " + std::to_string(r.entries + 1) + " are missing");
    }
    if (head_at[c->count] != c->head_hex) {
      return Break(r, c->count, 0,
                   "the signed anchor's head for " + std::to_string(c->count) +
                       " entries does not match the log: entries up to seq " +
                       std::to_string(c->count) + " were modified or rewritten");
    }
  }
  r.ok = true;
  if (last_checkpoint < r.entries && !anchor) {
    r.problem = std::to_string(r.entries - last_checkpoint) +
                " entries after the last signed checkpoint are not yet attested; pass the "
                "anchor to check them";
  }
  return r;
}

StatusOr<std::vector<AuditEntry>> EntriesOf(std::string_view data) {
  ScanResult scan = ScanRecords(data);
  if (scan.end == ScanEnd::kCorrupt) return DataLossError(scan.problem);
  std::vector<AuditEntry> out;
  for (const Record& rec : scan.records) {
    if (rec.type != kTypeEntry) continue;
    CANDOR_ASSIGN_OR_RETURN(AuditEntry e, DecodeEntry(rec.payload, nullptr));
    out.push_back(std::move(e));
  }
  return out;
}

StatusOr<std::optional<std::string>> ReadAnchor(const std::filesystem::path& anchor_path) {
  if (anchor_path.empty()) return std::optional<std::string>();
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, ReadFile(anchor_path, 1 << 16));
  return std::optional<std::string>(std::string(raw.begin(), raw.end()));
}

// The first `n` bytes of `path` (fewer if it is shorter).
StatusOr<std::string> ReadPrefix(const std::filesystem::path& path, uint64_t n) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFoundError("cannot open " + path.string() + ": " + std::strerror(errno));
  std::string data(n, '\0');
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, data.data() + done, n - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      return InternalError("read " + path.string() + ": " + err);
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

}  // namespace

StatusOr<AuditVerifyReport> VerifyAuditLog(const std::filesystem::path& log_path,
                                           const std::vector<uint8_t>& public_key,
                                           const std::filesystem::path& anchor_path) {
  // The anchor first: a writer updates it only after the records it attests are
  // written, so the log read after it holds at least what it attests. A writer
  // in another process may be mid-append (a torn tail) or mid-way through its
  // anchor slot when we read; a break is therefore read again a few times, 20 ms
  // apart, before it is reported. Real damage does not go away and is reported.
  StatusOr<AuditVerifyReport> r = InternalError("unreachable");
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CANDOR_ASSIGN_OR_RETURN(std::optional<std::string> anchor, ReadAnchor(anchor_path));
    std::error_code ec;
    const auto size = std::filesystem::file_size(log_path, ec);
    if (ec) return NotFoundError("cannot read " + log_path.string() + ": " + ec.message());
    if (size > kMaxLogBytes) return ResourceExhaustedError(log_path.string() + " is too large");
    CANDOR_ASSIGN_OR_RETURN(std::string data, ReadPrefix(log_path, size));
    r = VerifyAuditData(data, public_key, anchor, anchor_path.string());
    if (!r.ok() || r->ok) break;
  }
  return r;
}

StatusOr<AuditVerifyReport> VerifyAuditBytes(std::string_view data,
                                             const std::vector<uint8_t>& public_key,
                                             const std::filesystem::path& anchor_path) {
  CANDOR_ASSIGN_OR_RETURN(std::optional<std::string> anchor, ReadAnchor(anchor_path));
  return VerifyAuditData(data, public_key, anchor, anchor_path.string());
}

StatusOr<std::vector<AuditEntry>> ReadAuditEntries(const std::filesystem::path& log_path) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, ReadFile(log_path, kMaxLogBytes));
  return EntriesOf(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

StatusOr<AuditVerifyReport> AuditLog::VerifyLive(const std::vector<uint8_t>& public_key) const {
  // Only the syncer writes the anchor, with mu_ released and syncing_ set; so
  // with mu_ held and no sync under way the anchor is whole and attests no more
  // than written_bytes_ holds. Appends wait only for these two small reads.
  std::optional<std::string> anchor;
  uint64_t bytes = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !syncing_; });
    if (options_.write_anchor) {
      CANDOR_ASSIGN_OR_RETURN(anchor, ReadAnchor(path_.string() + ".anchor"));
      if (anchor->empty()) anchor.reset();  // nothing synced yet: it attests nothing
    }
    bytes = written_bytes_;
  }
  CANDOR_ASSIGN_OR_RETURN(std::string data, ReadPrefix(path_, bytes));
  return VerifyAuditData(data, public_key, anchor, path_.string() + ".anchor");
}

StatusOr<std::vector<AuditEntry>> AuditLog::ReadLive() const {
  uint64_t bytes = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    bytes = written_bytes_;
  }
  CANDOR_ASSIGN_OR_RETURN(std::string data, ReadPrefix(path_, bytes));
  return EntriesOf(data);
}

}  // namespace candor
