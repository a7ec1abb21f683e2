// Copyright 2026 The Candor Authors.
//
// The persistent compressed index: reopen gives the same answers and setting,
// removals survive reopen and are overwritten on disk, files are encrypted,
// and every kind of damage is a clear Status (wrong key, corrupt manifest,
// records, training data or template, truncated file), never a crash.

#include "search/ivf_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "candor/index.h"
#include "search/int8_codec.h"
#include "search/ivf_test_util.h"
#include "search/kernels.h"
#include "search/synthetic_data.h"

namespace candor::search {
namespace {

using testing::Ids;
using testing::Noisy;
using testing::Row;
using testing::TempDir;
using testing::TestKey;

constexpr int kDim = 32;
constexpr int kRows = 3000;
constexpr char kSpec[] = "IVF16,PQ16x4fs,TrainAt2000";

std::vector<float> Data() { return StructuredVectors(kRows, kDim, 12, 0.9f, 8); }

std::vector<uint8_t> Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
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

// Builds a trained persistent index over Data() in dir.
std::unique_ptr<Index> Build(const IndexFiles& files, const std::vector<float>& data) {
  auto index = CreateIndex(kSpec, kDim, files);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  // Two adds: the first trains the index (TrainAt2000), the second goes to the lists.
  EXPECT_TRUE((*index)->Add(std::span<const float>(data).first(2500 * kDim), Ids(1, 2500)).ok());
  EXPECT_TRUE((*index)->Add(std::span<const float>(data).subspan(2500 * kDim), Ids(2501, kRows - 2500)).ok());
  return std::move(*index);
}

TEST(IvfFilesTest, ReopenGivesTheSameAnswersAndSetting) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  std::vector<std::vector<Candidate>> before;
  RecallReport r0;
  {
    auto index = Build(files, data);
    r0 = index->Recall();
    ASSERT_FALSE(r0.exact);
    for (int j = 0; j < 40; ++j) {
      auto r = index->Search(Noisy(Row(data, kDim, j * 31), kDim, 0.7f, j), {.k = 5});
      ASSERT_TRUE(r.ok());
      before.push_back(*r);
    }
  }
  auto again = OpenIndex(files);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->size(), kRows);
  const RecallReport r1 = (*again)->Recall();
  EXPECT_EQ(r1.nprobe, r0.nprobe);
  EXPECT_EQ(r1.rerank, r0.rerank);
  EXPECT_EQ(r1.measured, r0.measured);
  EXPECT_NE((*again)->Describe().find("files=encrypted"), std::string::npos);
  for (int j = 0; j < 40; ++j) {
    auto r = (*again)->Search(Noisy(Row(data, kDim, j * 31), kDim, 0.7f, j), {.k = 5});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), before[j].size());
    for (size_t i = 0; i < r->size(); ++i) {
      EXPECT_EQ((*r)[i].id, before[j][i].id);
      EXPECT_EQ((*r)[i].score, before[j][i].score);
    }
  }
  // Still writable after reopen.
  const auto extra = StructuredVectors(10, kDim, 3, 0.5f, 99);
  EXPECT_TRUE((*again)->Add(extra, Ids(50000, 10)).ok());
  EXPECT_EQ(CreateIndex(kSpec, kDim, files).status().code(), Code::kAlreadyExists);
}

TEST(IvfFilesTest, UntrainedIndexReopensExact) {
  TempDir dir;
  const IndexFiles files{dir.path(), {}};
  const auto data = Data();
  {
    auto index = CreateIndex(kSpec, kDim, files);
    ASSERT_TRUE(index.ok());
    ASSERT_TRUE((*index)->Add(std::span<const float>(data).first(500 * kDim), Ids(1, 500)).ok());
  }
  auto index = OpenIndex(files);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_TRUE((*index)->Recall().exact);
  auto r = (*index)->Search(Row(data, kDim, 17), {.k = 1});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, 18);
  // Reaching TrainAt after reopen trains it.
  ASSERT_TRUE((*index)->Add(std::span<const float>(data).subspan(500 * kDim), Ids(501, kRows - 500)).ok());
  EXPECT_FALSE((*index)->Recall().exact);
}

TEST(IvfFilesTest, FilesHoldNoPlaintextTemplateAndNeedTheKey) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  { auto index = Build(files, data); }
  const auto vec = Slurp(dir.path() + "/vectors.i8");
  ASSERT_EQ(vec.size(), static_cast<size_t>(kRows) * kDim);
  const Int8Codec codec(kDim, GetKernels(Isa::kScalar), Int8Codec::DefaultClip(kDim));
  int equal_rows = 0;
  for (int i = 0; i < 50; ++i) {
    std::vector<uint8_t> code(kDim);
    codec.Encode(data.data() + i * kDim, code.data());
    if (std::equal(code.begin(), code.end(), vec.begin() + i * kDim)) ++equal_rows;
  }
  EXPECT_EQ(equal_rows, 0) << "int8 templates stored in plaintext";
  EXPECT_EQ(OpenIndex({dir.path(), {}}).status().code(), Code::kUnauthenticated);
  auto wrong = TestKey();
  wrong[0] ^= 1;
  EXPECT_EQ(OpenIndex({dir.path(), wrong}).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(OpenIndex({dir.path() + "/nothing", TestKey()}).status().code(), Code::kNotFound);
  EXPECT_EQ(CreateIndex(kSpec, kDim, {dir.path() + "/k", std::vector<uint8_t>(5)}).status().code(),
            Code::kInvalidArgument);
}

TEST(IvfFilesTest, RemovalSurvivesReopenAndIsOverwrittenOnDisk) {
  TempDir dir;
  const IndexFiles files{dir.path(), {}};  // plaintext, so the overwrite is visible
  const auto data = Data();
  {
    auto index = Build(files, data);
    ASSERT_TRUE(index->Remove(std::vector<int64_t>{5, 2999}).ok());
  }
  const auto vec = Slurp(dir.path() + "/vectors.i8");
  for (int row : {4, 2998}) {
    EXPECT_TRUE(std::all_of(vec.begin() + row * kDim, vec.begin() + (row + 1) * kDim,
                            [](uint8_t b) { return b == 0; }))
        << "row " << row;
  }
  auto index = OpenIndex(files);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ((*index)->size(), kRows - 2);
  for (int64_t id : {5, 2999}) {
    auto r = (*index)->Search(Row(data, kDim, static_cast<size_t>(id - 1)), {.k = 20});
    ASSERT_TRUE(r.ok());
    for (const Candidate& c : *r) EXPECT_NE(c.id, id);
    EXPECT_EQ((*index)->Remove(std::vector<int64_t>{id}).code(), Code::kNotFound);
  }
}

TEST(IvfFilesTest, TornTailsAreCutOffAtOpen) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  { auto index = Build(files, data); }
  // An Add that crashed before its manifest commit, and a torn tombstone.
  for (const char* f : {"/vectors.i8", "/records.2", "/tombstones.log"}) {
    std::ofstream(dir.path() + f, std::ios::binary | std::ios::app) << std::string(13, 'x');
  }
  auto index = OpenIndex(files);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_EQ((*index)->size(), kRows);
  EXPECT_EQ(std::filesystem::file_size(dir.path() + "/vectors.i8"), static_cast<uint64_t>(kRows) * kDim);
  EXPECT_TRUE((*index)->Remove(std::vector<int64_t>{1}).ok());
}

TEST(IvfFilesTest, CorruptionIsAClearStatus) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  { auto index = Build(files, data); }
  const std::string d = dir.path();
  const auto reopen_code = [&] { return OpenIndex(files).status().code(); };
  const auto copy = [&](const std::string& name) { return Slurp(d + "/" + name); };
  const auto restore = [&](const std::string& name, const std::vector<uint8_t>& b) {
    std::ofstream(d + "/" + name, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  ASSERT_EQ(reopen_code(), Code::kOk);
  for (const std::string name : {"MANIFEST", "records.2", "train.2"}) {
    const auto saved = copy(name);
    for (uint64_t off : {uint64_t{0}, uint64_t{saved.size() / 2}, uint64_t{saved.size() - 2}}) {
      // The records are read when no valid snapshot stands in for them
      // (snapshot damage: ivf_snapshot_test.cc).
      std::filesystem::remove(d + "/snapshot");
      FlipByte(d + "/" + name, off);
      auto r = OpenIndex(files);
      EXPECT_EQ(r.status().code(), Code::kDataLoss) << name << " @" << off << ": " << r.status().ToString();
      restore(name, saved);
    }
  }
  ASSERT_EQ(reopen_code(), Code::kOk);
  // Lost acknowledged rows.
  {
    const auto saved = copy("vectors.i8");
    ASSERT_EQ(::truncate((d + "/vectors.i8").c_str(), static_cast<off_t>(saved.size() - kDim)), 0);
    auto r = OpenIndex(files);
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
    EXPECT_NE(r.status().message().find("vectors.i8"), std::string::npos);
    restore("vectors.i8", saved);
  }
  // A damaged template is found when the re-rank reads it: DATA_LOSS, not a wrong answer.
  FlipByte(d + "/vectors.i8", 100 * kDim + 3);
  auto index = OpenIndex(files);
  ASSERT_TRUE(index.ok());
  auto r = (*index)->Search(Row(data, kDim, 100), {.k = 1});
  EXPECT_EQ(r.status().code(), Code::kDataLoss);
  EXPECT_NE(r.status().message().find("vectors.i8 at offset " + std::to_string(100 * kDim)), std::string::npos)
      << r.status().ToString();
  // A missing file.
  std::filesystem::remove(d + "/train.2");
  EXPECT_EQ(reopen_code(), Code::kDataLoss);
}

TEST(IvfFilesTest, ManifestRoundTrip) {
  IvfManifest m;
  m.dim = 192;
  m.m = 64;
  m.spec = "IVF4096,PQ64x4fs";
  m.rows = 123456789;
  m.generation = 3;
  m.trained = true;
  m.recall.measured = 0.996;
  m.recall.nprobe = 32;
  m.vec_nonce[3] = 9;
  auto back = DecodeManifest(EncodeManifest(m), "x");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->rows, m.rows);
  EXPECT_EQ(back->spec, m.spec);
  EXPECT_EQ(back->vec_nonce, m.vec_nonce);
  EXPECT_EQ(back->recall.nprobe, 32);
  EXPECT_NEAR(back->recall.measured, 0.996, 1e-9);
  EXPECT_EQ(DecodeManifest("garbage", "x").status().code(), Code::kDataLoss);
}

// Whether each page of `path` is in the page cache (mincore on a private view).
std::vector<bool> Resident(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0) << path;
  struct stat st {};
  ::fstat(fd, &st);
  const size_t len = static_cast<size_t>(st.st_size);
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> v((len + page - 1) / page);
  EXPECT_EQ(::mincore(p, len, v.data()), 0);
  ::munmap(p, len);
  return std::vector<bool>(v.begin(), v.end());
}

TEST(IvfFilesTest, WillNeedReadsTheRowsPagesAheadAndChangesNoData) {
  TempDir dir;
  const IndexFiles files{dir.path(), TestKey()};
  const auto data = Data();
  Build(files, data).reset();
  std::vector<uint8_t> before(kDim), after(kDim);
  {
    auto first = IvfFiles::Open(files);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    (*first)->ReadRow(kRows - 1, before.data());
  }
  // Drop the file's (clean, now unmapped) pages from the cache.
  const std::string vec = dir.path() + "/vectors.i8";
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const int fd = ::open(vec.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  auto f = IvfFiles::Open(files);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const std::vector<uint32_t> rows = {0, kRows / 2, kRows - 1};
  std::vector<size_t> wanted;
  for (uint32_t r : rows) wanted.push_back(size_t{r} * kDim / page);
  const auto cold = Resident(vec);
  if (std::any_of(wanted.begin(), wanted.end(), [&](size_t pg) { return cold[pg]; })) {
    GTEST_SKIP() << "this file system keeps " << vec << " in memory (no page cache to drop)";
  }
  (*f)->WillNeed(rows.data(), rows.size());
  // The reads are asynchronous: wait for them (at most 10 s).
  std::vector<bool> now;
  for (int i = 0; i < 1000; ++i) {
    now = Resident(vec);
    if (std::all_of(wanted.begin(), wanted.end(), [&](size_t pg) { return now[pg]; })) break;
    ::usleep(10'000);
  }
  for (size_t pg : wanted) EXPECT_TRUE(now[pg]) << "page " << pg << " was not read ahead";
  (*f)->ReadRow(kRows - 1, after.data());
  EXPECT_EQ(before, after);
  (*f)->WillNeed(rows.data(), 0);  // nothing to do
}

}  // namespace
}  // namespace candor::search
