// Copyright 2026 The Candor Authors.
//
// A minimal RAII wrapper over one SQLite connection (WAL, synchronous=FULL,
// foreign keys on). Errors come back as Status; nothing throws. Not
// thread-safe: the owner serialises access (Governance holds a mutex).

#ifndef CANDOR_GOVERN_SQLITE_DB_H_
#define CANDOR_GOVERN_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor::govern_internal {

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }

  // true: a row is available; false: done. Errors as Status.
  StatusOr<bool> Step();
  // Runs to completion (for statements without rows).
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Db {
 public:
  // Opens or creates the database file. INTERNAL on failure.
  static StatusOr<std::unique_ptr<Db>> Open(const std::filesystem::path& path);
  ~Db();

  Status Exec(std::string_view sql);
  StatusOr<std::unique_ptr<Stmt>> Prepare(std::string_view sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Db* db) : db_(db) {}
  ~Transaction() {
    if (begun_ && !done_) db_->Exec("ROLLBACK").IgnoreError();
  }
  Status Begin() {
    CANDOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
    begun_ = true;
    return OkStatus();
  }
  Status Commit() {
    done_ = true;
    return db_->Exec("COMMIT");
  }

 private:
  Db* db_;
  bool begun_ = false;
  bool done_ = false;
};

}  // namespace candor::govern_internal

#endif  // CANDOR_GOVERN_SQLITE_DB_H_
