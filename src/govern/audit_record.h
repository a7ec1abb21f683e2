// Copyright 2026 The Candor Authors.
//
// Framing of audit-log records (leveldb log-format style):
//   length:u32le  masked_crc32c(type || payload):u32le  type:u8  payload
// plus the canonical JSON encodings of entries and checkpoints and the hash
// chain step. Private to src/govern. Pure functions; thread-safe.

#ifndef CANDOR_GOVERN_AUDIT_RECORD_H_
#define CANDOR_GOVERN_AUDIT_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "candor/audit.h"
#include "candor/status.h"

namespace candor::audit_internal {

inline constexpr uint8_t kTypeEntry = 1;
inline constexpr uint8_t kTypeCheckpoint = 2;
inline constexpr size_t kHeaderSize = 9;
inline constexpr uint32_t kMaxPayload = 1u << 20;

// The bytes of one framed record.
std::string EncodeRecord(uint8_t type, std::string_view payload);

struct Record {
  uint8_t type = 0;
  std::string payload;
  uint64_t offset = 0;  // byte offset of the header
};

enum class ScanEnd {
  kClean,     // the data ended exactly at a record boundary
  kTornTail,  // the last record is incomplete or fails its checksum and is last
  kCorrupt,   // a bad record followed by more data
};

struct ScanResult {
  std::vector<Record> records;
  ScanEnd end = ScanEnd::kClean;
  uint64_t good_bytes = 0;  // offset just past the last good record
  std::string problem;      // for kTornTail / kCorrupt
};

// Splits `data` into records, stopping at the first bad one.
ScanResult ScanRecords(std::string_view data);

// Canonical payload of an entry whose predecessor head is `prev` (32 bytes).
std::string EncodeEntry(const AuditEntry& e, const std::vector<uint8_t>& prev);
// Parses an entry payload; also returns its "prev" hex. INVALID_ARGUMENT.
StatusOr<AuditEntry> DecodeEntry(std::string_view payload, std::string* prev_hex);

// head_n = SHA-256(head_{n-1} || payload).
std::vector<uint8_t> ChainStep(const std::vector<uint8_t>& prev, std::string_view payload);

// The message a checkpoint signs.
std::string CheckpointMessage(uint64_t count, std::string_view head_hex, int64_t time_ms);

struct Checkpoint {
  uint64_t count = 0;
  std::string head_hex;
  int64_t time_ms = 0;
  std::string sig_hex;
};
std::string EncodeCheckpoint(uint64_t count, const std::vector<uint8_t>& head, int64_t time_ms,
                             const AuditSigningKey& key);
StatusOr<Checkpoint> DecodeCheckpoint(std::string_view payload);
// True when the checkpoint's signature verifies under `public_key`.
bool CheckpointSignatureValid(const Checkpoint& c, const std::vector<uint8_t>& public_key);

std::string Hex(const std::vector<uint8_t>& bytes);

// The anchor file holds two fixed-size slots written alternately in place
// (pwrite + fdatasync: no rename, no directory sync per append). A torn slot
// fails its signature and is ignored; the valid slot with the higher count wins.
inline constexpr size_t kAnchorSlotSize = 512;
// The slot bytes for a checkpoint payload (padded with spaces, newline-ended).
std::string AnchorSlot(std::string_view checkpoint_payload);
// The newest validly signed checkpoint in an anchor file's bytes; NOT_FOUND if
// no slot verifies under `public_key`.
StatusOr<Checkpoint> ParseAnchor(std::string_view data, const std::vector<uint8_t>& public_key);

}  // namespace candor::audit_internal

#endif  // CANDOR_GOVERN_AUDIT_RECORD_H_
