// Copyright 2026 The Candor Authors.
//
// The snapshot of a persistent compressed index (ivf_snapshot.h): the first
// open of a directory without one reads the records and writes it; later
// opens load it and give the same answers as a load from the records; adds
// and removals after it are replayed; a removal overwrites the row's codes in
// it; a damaged, truncated or stale snapshot falls back to the records with
// nothing lost; and no plaintext code or template reaches it.

#include "search/ivf_snapshot.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "candor/index.h"
#include "search/ivf_pq_index.h"
#include "search/ivf_test_util.h"
#include "search/pq4_layout.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

using testing::Ids;
using testing::Noisy;
using testing::Row;
using testing::SnapshotCopies;
using testing::TempDir;
using testing::TestKey;

constexpr int kDim = 32;
constexpr int kRows = 3000;
constexpr char kSpec[] = "IVF16,PQ16x4fs,TrainAt2000";

std::vector<float> Data(int rows = kRows) { return StructuredVectors(rows, kDim, 12, 0.9f, 8); }

void Build(const IndexFiles& files, const std::vector<float>& data) {
  auto index = CreateIndex(kSpec, kDim, files);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const int64_t n = static_cast<int64_t>(data.size() / kDim);
  ASSERT_TRUE((*index)->Add(std::span<const float>(data).first(2500 * kDim), Ids(1, 2500)).ok());
  ASSERT_TRUE(
      (*index)->Add(std::span<const float>(data).subspan(2500 * kDim), Ids(2501, n - 2500)).ok());
}

std::unique_ptr<IvfPqIndex> Open(const IndexFiles& files) {
  auto r = OpenIndex(files);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return nullptr;
  return std::unique_ptr<IvfPqIndex>(static_cast<IvfPqIndex*>(r->release()));
}

// Top-5 of 60 noisy probes of stored rows, plus the live ids.
struct Answers {
  std::vector<std::vector<Candidate>> top;
  std::vector<int64_t> live;
};
Answers Ask(const Index& index, const std::vector<float>& data) {
  Answers a;
  for (int j = 0; j < 60; ++j) {
    auto r = index.Search(Noisy(Row(data, kDim, static_cast<size_t>(j) * 47 % (data.size() / kDim)),
                                kDim, 0.7f, static_cast<uint64_t>(j)),
                          {.k = 5});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    a.top.push_back(r.ok() ? *r : std::vector<Candidate>{});
  }
  a.live = static_cast<const IvfPqIndex&>(index).LiveIds();
  return a;
}

void ExpectSame(const Answers& a, const Answers& b) {
  ASSERT_EQ(a.live, b.live);
  ASSERT_EQ(a.top.size(), b.top.size());
  for (size_t j = 0; j < a.top.size(); ++j) {
    ASSERT_EQ(a.top[j].size(), b.top[j].size()) << "probe " << j;
    for (size_t i = 0; i < a.top[j].size(); ++i) {
      EXPECT_EQ(a.top[j][i].id, b.top[j][i].id) << "probe " << j;
      EXPECT_EQ(a.top[j][i].score, b.top[j][i].score) << "probe " << j;
    }
  }
}

void FlipByte(const std::string& path, uint64_t off) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  uint8_t b;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(off)), 1);
  b ^= 0x5A;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(off)), 1);
  ::close(fd);
}

std::vector<uint8_t> Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

void Restore(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

TEST(IvfSnapshotTest, FirstOpenWritesItLaterOpensLoadItWithTheSameAnswers) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  Build(files, data);
  const std::string snap = dir.path() + "/snapshot";
  ASSERT_FALSE(std::filesystem::exists(snap)) << "written by a build, not by the first open";
  Answers from_records;
  {
    auto index = Open(files);  // a directory as main wrote it: records, then a snapshot
    ASSERT_TRUE(index);
    EXPECT_FALSE(index->open_info().from_snapshot);
    EXPECT_TRUE(index->open_info().snapshot_written) << index->open_info().note;
    from_records = Ask(*index, data);
  }
  ASSERT_TRUE(std::filesystem::exists(snap));
  for (int round = 0; round < 2; ++round) {
    auto index = Open(files);
    ASSERT_TRUE(index);
    EXPECT_TRUE(index->open_info().from_snapshot) << index->open_info().note;
    EXPECT_FALSE(index->open_info().snapshot_written);
    EXPECT_EQ(index->size(), kRows);
    ExpectSame(from_records, Ask(*index, data));
  }
  // A read-only open uses it too and writes nothing.
  {
    const auto before = std::filesystem::last_write_time(snap);
    IndexFiles ro = files;
    ro.read_only = true;
    auto index = Open(ro);
    ASSERT_TRUE(index);
    EXPECT_TRUE(index->open_info().from_snapshot);
    ExpectSame(from_records, Ask(*index, data));
    EXPECT_EQ(std::filesystem::last_write_time(snap), before);
  }
  // Encrypted: no stored id, template CRC or 4-bit code list appears in plaintext.
  const auto bytes = Slurp(snap);
  for (int64_t id : {int64_t{1}, int64_t{777}, int64_t{2999}}) {
    const auto* p = reinterpret_cast<const uint8_t*>(&id);
    EXPECT_EQ(std::search(bytes.begin(), bytes.end(), p, p + 8), bytes.end())
        << "id " << id << " in plaintext";
  }
  IndexFiles wrong = files;
  wrong.key[0] ^= 1;
  EXPECT_EQ(OpenIndex(wrong).status().code(), Code::kUnauthenticated);
}

TEST(IvfSnapshotTest, AddsAndRemovalsAfterItAreReplayedAndRemovalsShredIt) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data(3200);
  Build(files, std::vector<float>(data.begin(), data.begin() + kRows * kDim));
  { ASSERT_TRUE(Open(files)); }                           // writes the snapshot of 3000 rows
  const std::vector<int64_t> gone_old = {5, 1200, 2999};  // rows 4, 1199, 2998: in the snapshot
  {
    auto index = Open(files);
    ASSERT_TRUE(index);
    ASSERT_TRUE(index->open_info().from_snapshot);
    ASSERT_TRUE(
        index->Add(std::span<const float>(data).subspan(kRows * kDim), Ids(kRows + 1, 200)).ok());
    ASSERT_TRUE(index->Remove(gone_old).ok());
    ASSERT_TRUE(index->Remove(std::vector<int64_t>{kRows + 7}).ok());  // a row after the snapshot
  }
  const int nlist = 16, m = 16;
  // Remove overwrote the removed rows' codes and template CRC in the snapshot
  // (a live row's are still there).
  const auto held = SnapshotCopies(files, nlist, m, {4, 1199, 2998, 100});
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_TRUE(held[k].found) << k;
    EXPECT_TRUE(held[k].codes_zero)
        << "codes of removed id " << gone_old[k] << " still in the snapshot";
    EXPECT_EQ(held[k].vec_crc, 0u) << k;
  }
  EXPECT_TRUE(held[3].found);
  EXPECT_FALSE(held[3].codes_zero);
  EXPECT_NE(held[3].vec_crc, 0u);

  Answers a;
  {
    auto index = Open(files);
    ASSERT_TRUE(index);
    EXPECT_TRUE(index->open_info().from_snapshot) << index->open_info().note;
    EXPECT_EQ(index->open_info().tail_rows, 200);
    EXPECT_EQ(index->open_info().removals_replayed, 3);
    EXPECT_EQ(index->size(), kRows + 200 - 4);
    for (int64_t id : gone_old) {
      EXPECT_EQ(index->Remove(std::vector<int64_t>{id}).code(), Code::kNotFound) << id;
      auto r = index->Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 5});
      ASSERT_TRUE(r.ok());
      for (const Candidate& c : *r) EXPECT_NE(c.id, id);
    }
    // Added rows are found at rank 1 by their own template.
    for (int64_t id : {kRows + 1, kRows + 100, kRows + 200}) {
      auto r = index->Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 1});
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->size(), 1u);
      EXPECT_EQ((*r)[0].id, id);
    }
    a = Ask(*index, data);
  }
  // The same as a load from the records alone.
  std::filesystem::remove(dir.path() + "/snapshot");
  auto index = Open(files);
  ASSERT_TRUE(index);
  EXPECT_FALSE(index->open_info().from_snapshot);
  ExpectSame(a, Ask(*index, data));
}

TEST(IvfSnapshotTest, DamagedOrTruncatedSnapshotFallsBackToTheRecords) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  Build(files, data);
  Answers want;
  {
    auto index = Open(files);
    ASSERT_TRUE(index);
    want = Ask(*index, data);
  }
  const std::string snap = dir.path() + "/snapshot";
  const auto saved = Slurp(snap);
  ASSERT_GT(saved.size(), 8192u);
  const auto check_fallback = [&](const std::string& what) {
    {
      auto index = Open(files);
      ASSERT_TRUE(index) << what;
      EXPECT_FALSE(index->open_info().from_snapshot) << what;
      EXPECT_FALSE(index->open_info().note.empty()) << what;
      EXPECT_TRUE(index->open_info().snapshot_written) << what;
      ExpectSame(want, Ask(*index, data));
    }
    // The fresh snapshot is good again.
    auto index = Open(files);
    ASSERT_TRUE(index);
    EXPECT_TRUE(index->open_info().from_snapshot) << what << ": " << index->open_info().note;
    ExpectSame(want, Ask(*index, data));
  };
  // A flipped byte in the header, the list sizes, the codes, the id map and the checksum table.
  for (uint64_t off : {uint64_t{3}, uint64_t{4096 + 5}, uint64_t{saved.size() / 2},
                       uint64_t{saved.size() - 100}, uint64_t{saved.size() - 2}}) {
    Restore(snap, saved);
    FlipByte(snap, off);
    check_fallback("flipped byte at " + std::to_string(off));
  }
  for (uint64_t len :
       {uint64_t{0}, uint64_t{100}, uint64_t{saved.size() / 2}, uint64_t{saved.size() - 1}}) {
    Restore(snap,
            std::vector<uint8_t>(saved.begin(), saved.begin() + static_cast<std::ptrdiff_t>(len)));
    check_fallback("truncated to " + std::to_string(len));
  }
  // Garbage of the right length.
  std::vector<uint8_t> junk(saved.size(), 0xA5);
  Restore(snap, junk);
  check_fallback("junk");
}

TEST(IvfSnapshotTest, RetrainingRemovesTheStaleSnapshot) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  Build(files, data);
  const std::string snap = dir.path() + "/snapshot";
  const auto old = [&] {
    auto index = Open(files);  // writes it
    return Slurp(snap);
  }();
  {
    auto index = Open(files);
    ASSERT_TRUE(index);
    ASSERT_TRUE(index->Train().ok());
    EXPECT_FALSE(std::filesystem::exists(snap))
        << "a snapshot of the old generation outlived training";
  }
  // A stale copy put back (other generation) is refused, the records are used.
  Restore(snap, old);
  auto index = Open(files);
  ASSERT_TRUE(index);
  EXPECT_FALSE(index->open_info().from_snapshot);
  EXPECT_NE(index->open_info().note.find("stale"), std::string::npos) << index->open_info().note;
  EXPECT_EQ(index->size(), kRows);
  auto again = Open(files);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->open_info().from_snapshot);
  ExpectSame(Ask(*index, data), Ask(*again, data));
}

}  // namespace
}  // namespace candor::search
