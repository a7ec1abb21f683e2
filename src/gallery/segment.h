// Copyright 2026 The Candor Authors.
//
// Append-only, checksummed segment files holding the store's sealed template
// records (leveldb log_format style, without block fragmentation).
//
// File: <dir>/NNNNNNNN.seg = 16-byte header ("CNDRSEG\0", u32 format version,
// u32 segment number, little-endian) followed by records:
//   u32 length | u32 masked CRC-32C(length bytes || payload) | payload
// A record is addressed by (segment number, offset of its length field).
// A segment is closed once it exceeds max_segment_bytes and never rewritten.
//
// Durability: Append buffers records (written out in 1 MiB pieces) without
// syncing; Sync writes what is buffered and makes every appended record
// durable; Rollback drops the buffer and cuts the active segment back to a
// size returned by Mark() (used when the metadata commit that would reference
// the records fails). Mark() is taken after a Sync or Rollback.
//
// Thread safety: a SegmentWriter is used by one thread at a time (the store's
// writer lock). ReadRecord/SegmentPath are pure/thread-safe.

#ifndef CANDOR_GALLERY_SEGMENT_H_
#define CANDOR_GALLERY_SEGMENT_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "candor/status.h"
#include "gallery/env.h"

namespace candor::gallery {

inline constexpr uint32_t kSegmentFormatVersion = 1;
inline constexpr uint64_t kSegmentHeaderBytes = 16;
inline constexpr uint64_t kRecordHeaderBytes = 8;
inline constexpr uint32_t kMaxRecordPayload = 1u << 25;  // 32 MiB (images up to 16 MiB)

struct RecordLocation {
  uint32_t segment = 0;
  uint64_t offset = 0;   // of the record header
  uint32_t length = 0;   // payload bytes
};

std::string SegmentPath(const std::string& dir, uint32_t segment);

// Encodes one record (header + payload) into `out` (appended).
void EncodeRecord(std::span<const uint8_t> payload, std::vector<uint8_t>& out);

// Checks the record at the start of `bytes` (which must hold at least the
// header; may hold more) against `expect_length` (0 = any) and returns its
// payload. DATA_LOSS naming `path` and `offset` if the header, the length or
// the checksum is wrong or the record runs past the end of `bytes`.
StatusOr<std::span<const uint8_t>> DecodeRecord(std::span<const uint8_t> bytes,
                                                const std::string& path, uint64_t offset,
                                                uint32_t expect_length);

// Validates a segment file header; DATA_LOSS naming the file otherwise.
Status CheckSegmentHeader(std::span<const uint8_t> bytes, const std::string& path,
                          uint32_t segment);

class SegmentWriter {
 public:
  // Opens the active segment `segment` in `dir` (created with a header if
  // missing or empty) and positions at `end` (bytes beyond `end` are a torn or
  // uncommitted tail and are truncated away, durably). `end` = 0 means "the
  // header only". Segments roll over beyond max_segment_bytes.
  static StatusOr<std::unique_ptr<SegmentWriter>> Open(Env* env, std::string dir,
                                                       uint32_t segment, uint64_t end,
                                                       uint64_t max_segment_bytes,
                                                       uint64_t* truncated_bytes);

  // Appends one record; returns where it went. Not durable until Sync; a write
  // error may surface here or at Sync.
  StatusOr<RecordLocation> Append(std::span<const uint8_t> payload);

  // Makes all appended records durable (fdatasync; dir sync after a roll).
  Status Sync();

  // The current end (segment, size): pass to Rollback to undo later appends.
  RecordLocation Mark() const;

  // Cuts back to `mark` (only within the current or a newer segment; newer
  // segments created since are truncated to their header).
  Status Rollback(const RecordLocation& mark);

  uint32_t segment() const { return segment_; }

 private:
  SegmentWriter(Env* env, std::string dir, uint64_t max_bytes)
      : env_(env), dir_(std::move(dir)), max_bytes_(max_bytes) {}
  Status OpenSegment(uint32_t segment, uint64_t end, uint64_t* truncated);
  Status Flush();
  uint64_t Size() const { return file_->Size() + pending_.size(); }

  Env* env_;
  std::string dir_;
  uint64_t max_bytes_;
  uint32_t segment_ = 0;
  std::unique_ptr<AppendFile> file_;
  bool dir_dirty_ = false;
  std::vector<uint32_t> rolled_since_sync_;
  std::vector<uint8_t> pending_;  // encoded records not yet written
};

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_SEGMENT_H_
