// Copyright 2026 The Candor Authors.

#include "common/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace candor {
namespace {

namespace fs = std::filesystem;

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("candor_file_util_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(FileUtilTest, WriteThenReadRoundTrips) {
  std::string data = "binary\0data\xff\x01";
  ASSERT_TRUE(WriteFileAtomic(dir_ / "f.bin", data).ok());
  auto got = ReadFile(dir_ / "f.bin");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(std::string(got->begin(), got->end()), data);
}

TEST_F(FileUtilTest, OverwriteReplacesWholeContentAndLeavesNoTemporaries) {
  ASSERT_TRUE(WriteFileAtomic(dir_ / "f", std::string(10000, 'a')).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ / "f", "short").ok());
  auto got = ReadFile(dir_ / "f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(got->begin(), got->end()), "short");
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(FileUtilTest, EmptyFileReadsAsEmpty) {
  ASSERT_TRUE(WriteFileAtomic(dir_ / "empty", "").ok());
  auto got = ReadFile(dir_ / "empty");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
}

TEST_F(FileUtilTest, ReadErrorsAreClassified) {
  EXPECT_EQ(ReadFile(dir_ / "missing").status().code(), Code::kNotFound);
  EXPECT_EQ(ReadFile(dir_ / "missing" / "deeper").status().code(), Code::kNotFound);
  EXPECT_EQ(ReadFile(dir_).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(WriteFileAtomic(dir_ / "big", std::string(1000, 'b')).ok());
  auto big = ReadFile(dir_ / "big", 999);
  EXPECT_EQ(big.status().code(), Code::kResourceExhausted);
  EXPECT_NE(big.status().message().find("1000"), std::string::npos);
  EXPECT_TRUE(ReadFile(dir_ / "big", 1000).ok());
  EXPECT_EQ(ReadFile("/dev/null").status().code(), Code::kInvalidArgument);
}

TEST_F(FileUtilTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read any file";
  ASSERT_TRUE(WriteFileAtomic(dir_ / "locked", "secret").ok());
  fs::permissions(dir_ / "locked", fs::perms::none);
  EXPECT_EQ(ReadFile(dir_ / "locked").status().code(), Code::kPermissionDenied);
}

TEST_F(FileUtilTest, WriteIntoMissingDirectoryFailsCleanly) {
  Status s = WriteFileAtomic(dir_ / "nodir" / "f", "x");
  EXPECT_EQ(s.code(), Code::kNotFound) << s.ToString();
  EXPECT_FALSE(fs::exists(dir_ / "nodir"));
}

TEST_F(FileUtilTest, CannotReplaceDirectory) {
  fs::create_directories(dir_ / "sub");
  Status s = WriteFileAtomic(dir_ / "sub", "x");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(fs::is_directory(dir_ / "sub"));
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1) << "temporary file left behind";
}

TEST_F(FileUtilTest, SyncDir) {
  EXPECT_TRUE(SyncDir(dir_).ok());
  EXPECT_EQ(SyncDir(dir_ / "missing").code(), Code::kNotFound);
}

}  // namespace
}  // namespace candor
