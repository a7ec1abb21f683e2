// Copyright 2026 The Candor Authors.

#include "gallery/segment.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "gallery/test_util.h"

namespace candor::gallery {
namespace {

using testing::ReadAll;
using testing::ScratchDir;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(SegmentRecord, RoundTripsAndRejectsEveryFlippedByte) {
  std::vector<uint8_t> rec;
  auto payload = Bytes("a sealed template record");
  EncodeRecord(payload, rec);
  ASSERT_EQ(rec.size(), kRecordHeaderBytes + payload.size());
  auto ok = DecodeRecord(rec, "f.seg", 16, 0);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(std::vector<uint8_t>(ok->begin(), ok->end()), payload);
  for (size_t i = 0; i < rec.size(); ++i) {
    auto bad = rec;
    bad[i] ^= 0x40;
    auto r = DecodeRecord(bad, "f.seg", 16, static_cast<uint32_t>(payload.size()));
    ASSERT_FALSE(r.ok()) << "flip at byte " << i << " went unnoticed";
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
    EXPECT_NE(r.status().message().find("f.seg at offset 16"), std::string::npos)
        << r.status().message();
  }
}

TEST(SegmentRecord, TruncatedRecordIsDataLoss) {
  std::vector<uint8_t> rec;
  EncodeRecord(Bytes("payload bytes"), rec);
  for (size_t n = 0; n < rec.size(); ++n) {
    auto r = DecodeRecord(std::span<const uint8_t>(rec).first(n), "x.seg", 99, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
  }
}

TEST(SegmentWriter, AppendsRollsBackAndTruncatesTornTail) {
  ScratchDir dir;
  uint64_t truncated = 99;
  auto w = SegmentWriter::Open(PosixEnv(), dir.path(), 1, 0, 1 << 20, &truncated);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(truncated, 0u);
  auto a = (*w)->Append(Bytes("first"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->offset, kSegmentHeaderBytes);
  auto mark = (*w)->Mark();
  ASSERT_TRUE((*w)->Append(Bytes("second")).ok());
  ASSERT_TRUE((*w)->Rollback(mark).ok());
  ASSERT_TRUE((*w)->Sync().ok());
  const std::string path = SegmentPath(dir.path(), 1);
  EXPECT_EQ(std::filesystem::file_size(path), mark.offset);
  ASSERT_TRUE(CheckSegmentHeader(ReadAll(path), path, 1).ok());
  w->reset();

  // A torn tail (half a record) beyond the committed end is cut on reopen.
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write("\x20\x00\x00\x00garbage", 11);
  }
  auto w2 = SegmentWriter::Open(PosixEnv(), dir.path(), 1, mark.offset, 1 << 20, &truncated);
  ASSERT_TRUE(w2.ok());
  EXPECT_EQ(truncated, 11u);
  EXPECT_EQ(std::filesystem::file_size(path), mark.offset);

  // Metadata referencing bytes the file does not have is lost data, not a tail.
  w2->reset();
  auto w3 = SegmentWriter::Open(PosixEnv(), dir.path(), 1, mark.offset + 100, 1 << 20, nullptr);
  ASSERT_FALSE(w3.ok());
  EXPECT_EQ(w3.status().code(), Code::kDataLoss);
}

TEST(SegmentWriter, RollsOverToANewSegment) {
  ScratchDir dir;
  auto w = SegmentWriter::Open(PosixEnv(), dir.path(), 1, 0, 64, nullptr);
  ASSERT_TRUE(w.ok());
  std::vector<uint8_t> p(30, 1);
  auto a = (*w)->Append(p);
  auto b = (*w)->Append(p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->segment, 1u);
  EXPECT_EQ(b->segment, 2u);
  EXPECT_EQ(b->offset, kSegmentHeaderBytes);
  ASSERT_TRUE((*w)->Sync().ok());
  EXPECT_TRUE(std::filesystem::exists(SegmentPath(dir.path(), 2)));
}

TEST(SegmentHeader, RejectsForeignFiles) {
  std::vector<uint8_t> junk(32, 'x');
  Status s = CheckSegmentHeader(junk, "junk.seg", 1);
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_NE(s.message().find("junk.seg"), std::string::npos);
}

}  // namespace
}  // namespace candor::gallery
