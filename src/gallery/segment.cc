// Copyright 2026 The Candor Authors.

#include "gallery/segment.h"

#include <cstdio>
#include <cstring>

#include "common/hash.h"

namespace candor::gallery {
namespace {

constexpr char kMagic[8] = {'C', 'N', 'D', 'R', 'S', 'E', 'G', '\0'};

void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint32_t RecordCrc(const uint8_t* len_bytes, std::span<const uint8_t> payload) {
  uint32_t crc = Crc32cExtend(0, std::span<const uint8_t>(len_bytes, 4));
  return Crc32cMask(Crc32cExtend(crc, payload));
}

std::string Where(const std::string& path, uint64_t offset) {
  return path + " at offset " + std::to_string(offset);
}

}  // namespace

std::string SegmentPath(const std::string& dir, uint32_t segment) {
  char name[32];
  std::snprintf(name, sizeof(name), "%08u.seg", segment);
  return dir + "/" + name;
}

void EncodeRecord(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + kRecordHeaderBytes + payload.size());
  uint8_t* h = out.data() + start;
  PutU32(h, static_cast<uint32_t>(payload.size()));
  PutU32(h + 4, RecordCrc(h, payload));
  if (!payload.empty()) std::memcpy(h + kRecordHeaderBytes, payload.data(), payload.size());
}

StatusOr<std::span<const uint8_t>> DecodeRecord(std::span<const uint8_t> bytes,
                                                const std::string& path, uint64_t offset,
                                                uint32_t expect_length) {
  if (bytes.size() < kRecordHeaderBytes) {
    return DataLossError("truncated record header in " + Where(path, offset));
  }
  const uint32_t length = GetU32(bytes.data());
  if (length > kMaxRecordPayload || (expect_length != 0 && length != expect_length)) {
    return DataLossError("corrupt record length " + std::to_string(length) + " in " +
                         Where(path, offset));
  }
  if (bytes.size() - kRecordHeaderBytes < length) {
    return DataLossError("record runs past the end of the file in " + Where(path, offset));
  }
  auto payload = bytes.subspan(kRecordHeaderBytes, length);
  if (RecordCrc(bytes.data(), payload) != GetU32(bytes.data() + 4)) {
    return DataLossError("checksum mismatch (corrupt record) in " + Where(path, offset));
  }
  return payload;
}

Status CheckSegmentHeader(std::span<const uint8_t> bytes, const std::string& path,
                          uint32_t segment) {
  if (bytes.size() < kSegmentHeaderBytes || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return DataLossError("not a Candor segment file (bad header): " + path + " at offset 0");
  }
  if (GetU32(bytes.data() + 8) != kSegmentFormatVersion) {
    return FailedPreconditionError("segment " + path + " has format version " +
                                   std::to_string(GetU32(bytes.data() + 8)) +
                                   ", this build reads version " +
                                   std::to_string(kSegmentFormatVersion));
  }
  if (GetU32(bytes.data() + 12) != segment) {
    return DataLossError("segment " + path + " carries number " +
                         std::to_string(GetU32(bytes.data() + 12)) + " in its header");
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Open(Env* env, std::string dir,
                                                             uint32_t segment, uint64_t end,
                                                             uint64_t max_segment_bytes,
                                                             uint64_t* truncated_bytes) {
  std::unique_ptr<SegmentWriter> w(new SegmentWriter(env, std::move(dir), max_segment_bytes));
  uint64_t truncated = 0;
  CANDOR_RETURN_IF_ERROR(w->OpenSegment(segment, end, &truncated));
  CANDOR_RETURN_IF_ERROR(w->Sync());
  if (truncated_bytes) *truncated_bytes = truncated;
  return w;
}

Status SegmentWriter::OpenSegment(uint32_t segment, uint64_t end, uint64_t* truncated) {
  const std::string path = SegmentPath(dir_, segment);
  CANDOR_ASSIGN_OR_RETURN(auto file, env_->OpenAppend(path));
  if (file->Size() < kSegmentHeaderBytes) {
    // New (or torn while being created): write a fresh header.
    if (file->Size() > 0) CANDOR_RETURN_IF_ERROR(file->Truncate(0));
    uint8_t h[kSegmentHeaderBytes];
    std::memcpy(h, kMagic, 8);
    PutU32(h + 8, kSegmentFormatVersion);
    PutU32(h + 12, segment);
    Status s = file->Append(h);
    if (!s.ok()) {
      file->Truncate(0).IgnoreError();
      return s;
    }
    CANDOR_RETURN_IF_ERROR(file->Sync());
    dir_dirty_ = true;
  } else {
    if (end < kSegmentHeaderBytes) end = kSegmentHeaderBytes;
    if (end > file->Size()) {
      return DataLossError("segment " + path + " is " + std::to_string(file->Size()) +
                           " bytes but the metadata references records up to offset " +
                           std::to_string(end) + " (lost acknowledged data)");
    }
    if (end < file->Size()) {
      if (truncated) *truncated += file->Size() - end;
      CANDOR_RETURN_IF_ERROR(file->Truncate(end));
    }
  }
  segment_ = segment;
  file_ = std::move(file);
  return OkStatus();
}

StatusOr<RecordLocation> SegmentWriter::Append(std::span<const uint8_t> payload) {
  if (payload.size() > kMaxRecordPayload) return InvalidArgumentError("record too large");
  if (Size() + kRecordHeaderBytes + payload.size() > max_bytes_ &&
      Size() > kSegmentHeaderBytes) {
    // Roll: the full segment is written and synced before the next one takes writes.
    CANDOR_RETURN_IF_ERROR(Flush());
    CANDOR_RETURN_IF_ERROR(file_->Sync());
    CANDOR_RETURN_IF_ERROR(OpenSegment(segment_ + 1, 0, nullptr));
  }
  RecordLocation loc{segment_, Size(), static_cast<uint32_t>(payload.size())};
  EncodeRecord(payload, pending_);
  if (pending_.size() >= (1u << 20)) CANDOR_RETURN_IF_ERROR(Flush());
  return loc;
}

Status SegmentWriter::Flush() {
  if (pending_.empty()) return OkStatus();
  Status s = file_->Append(pending_);
  pending_.clear();
  return s;
}

Status SegmentWriter::Sync() {
  CANDOR_RETURN_IF_ERROR(Flush());
  CANDOR_RETURN_IF_ERROR(file_->Sync());
  if (dir_dirty_) {
    CANDOR_RETURN_IF_ERROR(env_->SyncDir(dir_));
    dir_dirty_ = false;
  }
  return OkStatus();
}

RecordLocation SegmentWriter::Mark() const { return {segment_, Size(), 0}; }

Status SegmentWriter::Rollback(const RecordLocation& mark) {
  pending_.clear();
  if (mark.segment == segment_) return file_->Truncate(mark.offset);
  // Records went into newer segments: empty them down to their header and
  // reopen the marked one. The empty newer segment files are harmless.
  for (uint32_t s = segment_; s > mark.segment; --s) {
    if (s == segment_) {
      CANDOR_RETURN_IF_ERROR(file_->Truncate(kSegmentHeaderBytes));
    } else {
      CANDOR_ASSIGN_OR_RETURN(auto f, env_->OpenAppend(SegmentPath(dir_, s)));
      CANDOR_RETURN_IF_ERROR(f->Truncate(kSegmentHeaderBytes));
    }
  }
  return OpenSegment(mark.segment, mark.offset, nullptr);
}

}  // namespace candor::gallery
