// Copyright 2026 The Candor Authors.

#include "common/sqlite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace candor::sqlite {
namespace {

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("candor_sqlite_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name = "t.db") const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(SqliteTest, BindsStepsAndReadsEveryType) {
  auto db = Db::Open(path());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)").ok());
  auto ins = Stmt::Prepare(**db, "INSERT INTO t VALUES (?, ?, ?, ?, ?)");
  ASSERT_TRUE(ins.ok());
  const std::vector<uint8_t> blob = {0, 1, 2, 255};
  size_t big = size_t{1} << 40;
  ins->Bind(1, big).Bind(2, 0.25).Bind(3, std::string("text")).BindBlob(4, blob).BindNull(5);
  ASSERT_TRUE(ins->Run().ok());
  EXPECT_EQ((*db)->Changes(), 1);
  EXPECT_EQ((*db)->LastInsertRowid(), 1);
  ins->Reset();
  ins->Bind(1, 7).Bind(2, 1.5).Bind(3, "lit").BindBlob(4, blob).Bind(5, std::string_view("v"));
  ASSERT_TRUE(ins->Run().ok());

  auto q = Stmt::Prepare(**db, "SELECT i, d, s, b, n FROM t ORDER BY rowid");
  ASSERT_TRUE(q.ok());
  auto row = q->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(q->Int(0), int64_t{1} << 40);
  EXPECT_EQ(q->Double(1), 0.25);
  EXPECT_EQ(q->Text(2), "text");
  EXPECT_EQ(q->TextView(2), "text");
  auto b = q->Blob(3);
  EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.end()), blob);
  EXPECT_TRUE(q->IsNull(4));
  row = q->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(q->Int(0), 7);
  EXPECT_EQ(q->Text(4), "v");
  row = q->Step();
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(*row);
}

TEST_F(SqliteTest, OneStatusMapping) {
  auto db = Db::Open(path(), {.label = "test database"});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE u (k TEXT PRIMARY KEY)").ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO u VALUES ('a')").ok());
  // Constraint violation: ALREADY_EXISTS, from Exec and from a statement.
  EXPECT_EQ((*db)->Exec("INSERT INTO u VALUES ('a')").code(), Code::kAlreadyExists);
  auto ins = Stmt::Prepare(**db, "INSERT INTO u VALUES (?)");
  ASSERT_TRUE(ins.ok());
  ins->Bind(1, "a");
  EXPECT_EQ(ins->Run().code(), Code::kAlreadyExists);
  // A syntax error: INTERNAL, naming the file.
  auto bad = Stmt::Prepare(**db, "SELEC nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInternal);
  EXPECT_NE(bad.status().message().find(path()), std::string::npos);
  // Busy: another connection holds the write lock (timeout shortened).
  auto other = Db::Open(path());
  ASSERT_TRUE(other.ok());
  sqlite3_busy_timeout((*other)->raw(), 10);
  ASSERT_TRUE((*db)->Exec("BEGIN IMMEDIATE").ok());
  EXPECT_EQ((*other)->Exec("BEGIN IMMEDIATE").code(), Code::kUnavailable);
  ASSERT_TRUE((*db)->Exec("ROLLBACK").ok());
  // Read-only: PERMISSION_DENIED on a write.
  auto ro = Db::Open(path(), {.read_only = true});
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->Exec("INSERT INTO u VALUES ('b')").code(), Code::kPermissionDenied);
}

TEST_F(SqliteTest, MissingAndCorruptFiles) {
  auto missing = Db::Open(path("absent.db"), {.create = false});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  auto nodir = Db::Open(path("no/such/dir.db"));
  EXPECT_EQ(nodir.status().code(), Code::kNotFound);

  {
    std::ofstream f(path("junk.db"), std::ios::binary);
    f << std::string(4096, 'x');
  }
  auto junk = Db::Open(path("junk.db"), {.label = "metadata database"});
  ASSERT_TRUE(junk.ok());  // SQLite reads the header lazily
  Status s = (*junk)->Exec("SELECT * FROM sqlite_master");
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_NE(s.message().find("metadata database is corrupt"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("junk.db"), std::string::npos);
}

TEST_F(SqliteTest, TransactionRollsBackUnlessCommitted) {
  auto db = Db::Open(path());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (x INTEGER)").ok());
  {
    Transaction tx(db->get());
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES (1)").ok());
  }  // rolled back
  {
    Transaction tx(db->get());
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES (2)").ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto q = Stmt::Prepare(**db, "SELECT group_concat(x) FROM t");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "2");
}

}  // namespace
}  // namespace candor::sqlite
