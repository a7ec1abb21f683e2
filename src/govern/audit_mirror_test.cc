// Copyright 2026 The Candor Authors.
//
// AuditLogOptions::mirror with an in-memory mirror: the mirror holds the
// file's records byte for byte; an append is acknowledged only once the
// mirror holds it (a failing mirror fails the append, and the record goes out
// with the next one); Open brings a lagging mirror up to the file and refuses
// a file that holds less than the mirror or differs from it. (The JetStream
// mirror: src/cluster/audit_stream_test.cc.)

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "candor/audit.h"
#include "common/file_util.h"

namespace candor {
namespace {

namespace fs = std::filesystem;

class MemoryMirror final : public AuditMirror {
 public:
  StatusOr<Tail> ReadTail() override {
    return Tail{records.size(), records.empty() ? "" : records.back()};
  }
  Status Append(uint64_t first, const std::vector<std::string>& batch) override {
    ++calls;
    if (fail) return UnavailableError("mirror down");
    if (first != records.size() + 1) return FailedPreconditionError("out of order");
    records.insert(records.end(), batch.begin(), batch.end());
    return OkStatus();
  }
  std::string Bytes() const {
    std::string s;
    for (const std::string& r : records) s += r;
    return s;
  }
  std::vector<std::string> records;
  bool fail = false;
  int calls = 0;
};

class AuditMirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("candor_audit_mirror_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ / "audit.log";
    key_ = GenerateAuditKey();
    mirror_ = std::make_shared<MemoryMirror>();
  }
  void TearDown() override { fs::remove_all(dir_); }

  StatusOr<std::unique_ptr<AuditLog>> Open(std::shared_ptr<AuditMirror> mirror) {
    AuditLogOptions o;
    o.checkpoint_every = 4;
    o.mirror = std::move(mirror);
    return AuditLog::Open(log_, key_, o);
  }
  static AuditEntry Entry(int i) {
    AuditEntry e;
    e.actor = "alice";
    e.role = "investigator";
    e.action = "search.identify";
    e.outcome = "ok";
    e.reason = "entry " + std::to_string(i);
    return e;
  }
  std::string FileBytes() {
    auto raw = ReadFile(log_);
    EXPECT_TRUE(raw.ok());
    return std::string(raw->begin(), raw->end());
  }

  fs::path dir_, log_;
  AuditSigningKey key_;
  std::shared_ptr<MemoryMirror> mirror_;
};

TEST_F(AuditMirrorTest, TheMirrorHoldsTheFileByteForByte) {
  {
    auto log = Open(mirror_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->Append(Entry(i)).ok());
    EXPECT_EQ(mirror_->Bytes(), FileBytes());
  }
  EXPECT_EQ(mirror_->Bytes(), FileBytes());  // the closing checkpoint too
  auto r = VerifyAuditBytes(mirror_->Bytes(), key_.public_key, log_.string() + ".anchor");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << r->problem;
  EXPECT_EQ(r->entries, 10u);
}

TEST_F(AuditMirrorTest, AnAppendTheMirrorDidNotAcknowledgeFailsAndGoesOutWithTheNext) {
  auto log = Open(mirror_);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Entry(0)).ok());
  mirror_->fail = true;
  auto refused = (*log)->Append(Entry(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("did not acknowledge"), std::string::npos);
  EXPECT_EQ(mirror_->records.size(), 1u);
  mirror_->fail = false;
  auto next = (*log)->Append(Entry(2));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, 3u);
  EXPECT_EQ(mirror_->records.size(), 3u);
  EXPECT_EQ(mirror_->Bytes(), FileBytes());
}

TEST_F(AuditMirrorTest, OpenCatchesALaggingMirrorUpAndRefusesALostOrReplacedFile) {
  {
    auto log = Open(nullptr);  // written before the mirror was configured
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*log)->Append(Entry(i)).ok());
  }
  {
    auto log = Open(mirror_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(mirror_->Bytes(), FileBytes());
    ASSERT_TRUE((*log)->Append(Entry(6)).ok());
  }
  EXPECT_EQ(mirror_->Bytes(), FileBytes());

  // The file is lost: a fresh one must not start a second chain silently.
  const std::string kept = FileBytes();
  fs::remove(log_);
  fs::remove(log_.string() + ".anchor");
  auto lost = Open(mirror_);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Code::kDataLoss);
  EXPECT_NE(lost.status().message().find("lost records"), std::string::npos);

  // Another log put in its place (same length, other content): refused.
  fs::remove(log_);
  fs::remove(log_.string() + ".anchor");
  {
    auto other = AuditLog::Open(log_, GenerateAuditKey());
    ASSERT_TRUE(other.ok());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE((*other)->Append(Entry(100 + i)).ok());
  }
  auto replaced = Open(mirror_);
  ASSERT_FALSE(replaced.ok());
  EXPECT_EQ(replaced.status().code(), Code::kDataLoss);
  EXPECT_NE(replaced.status().message().find("differs"), std::string::npos);

  // Recovered from the mirror, it opens and carries on.
  fs::remove(log_);
  fs::remove(log_.string() + ".anchor");
  ASSERT_TRUE(WriteFileAtomic(log_, mirror_->Bytes()).ok());
  EXPECT_EQ(FileBytes(), kept);
  auto back = Open(mirror_);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->size(), 7u);
}

}  // namespace
}  // namespace candor
