// Copyright 2026 The Candor Authors.
//
// VerifyAuditLog and ReadAuditEntries.

#include <sodium.h>

#include <map>
#include <string>

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

}  // namespace

StatusOr<AuditVerifyReport> VerifyAuditLog(const std::filesystem::path& log_path,
                                           const std::vector<uint8_t>& public_key,
                                           const std::filesystem::path& anchor_path) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return InvalidArgumentError("audit public key must be 32 bytes");
  }
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, ReadFile(log_path, kMaxLogBytes));
  const std::string data(raw.begin(), raw.end());
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
  if (!anchor_path.empty()) {
    CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> araw, ReadFile(anchor_path, 1 << 16));
    auto c = ParseAnchor(std::string_view(reinterpret_cast<const char*>(araw.data()), araw.size()),
                         public_key);
    if (!c.ok()) {
      return Break(r, 0, 0,
                   "anchor " + anchor_path.string() +
                       " is malformed or its signature "
                       "is invalid");
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
  if (last_checkpoint < r.entries && anchor_path.empty()) {
    r.problem = std::to_string(r.entries - last_checkpoint) +
                " entries after the last signed checkpoint are not yet attested; pass the "
                "anchor to check them";
  }
  return r;
}

StatusOr<std::vector<AuditEntry>> ReadAuditEntries(const std::filesystem::path& log_path) {
  CANDOR_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, ReadFile(log_path, kMaxLogBytes));
  ScanResult scan =
      ScanRecords(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  if (scan.end == ScanEnd::kCorrupt) return DataLossError(scan.problem);
  std::vector<AuditEntry> out;
  for (const Record& rec : scan.records) {
    if (rec.type != kTypeEntry) continue;
    CANDOR_ASSIGN_OR_RETURN(AuditEntry e, DecodeEntry(rec.payload, nullptr));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace candor
