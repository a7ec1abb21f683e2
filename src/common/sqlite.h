// Copyright 2026 The Candor Authors.
//
// The one SQLite wrapper: a connection (Db), prepared statements (Stmt) and
// a scoped transaction (Transaction) over the SQLite C API, with every SQLite
// result code turned into a candor::Status by one mapping (Db::Error):
//   SQLITE_CORRUPT, SQLITE_NOTADB      -> DATA_LOSS ("<label> is corrupt: ...")
//   SQLITE_FULL                        -> RESOURCE_EXHAUSTED ("... (disk full)")
//   SQLITE_BUSY, SQLITE_LOCKED         -> UNAVAILABLE
//   SQLITE_IOERR                       -> UNAVAILABLE ("I/O error: ...")
//   SQLITE_CONSTRAINT                  -> ALREADY_EXISTS
//   SQLITE_READONLY, SQLITE_PERM, _AUTH-> PERMISSION_DENIED
//   SQLITE_CANTOPEN                    -> NOT_FOUND
//   anything else                      -> INTERNAL
// Messages name the database file. Nothing throws.
//
// Thread safety: a Db is opened in serialized mode (SQLITE_OPEN_FULLMUTEX)
// and may be shared, but a multi-statement transaction needs the owner's own
// lock; a Stmt belongs to one thread at a time and must not outlive its Db.

#ifndef CANDOR_COMMON_SQLITE_H_
#define CANDOR_COMMON_SQLITE_H_

#include <sqlite3.h>

#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor::sqlite {

struct OpenOptions {
  bool read_only = false;  // open without writing (implies !create)
  bool create = true;      // create the file if it does not exist
  // How errors name this database ("metadata database", "governance database").
  std::string label = "database";
};

class Db {
 public:
  // Opens `path` (":memory:" for an in-memory database) with extended result
  // codes and a 5 s busy timeout. NOT_FOUND if it cannot be opened (absent
  // without `create`, or its directory missing); other errors as above.
  static StatusOr<std::unique_ptr<Db>> Open(const std::string& path,
                                            const OpenOptions& options = {});
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results.
  [[nodiscard]] Status Exec(std::string_view sql);
  // Maps an SQLite result code to a Status mentioning `what` and the file.
  Status Error(int rc, std::string_view what) const;

  sqlite3* raw() const { return db_; }
  const std::string& path() const { return path_; }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int64_t Changes() const { return sqlite3_changes64(db_); }

 private:
  Db(sqlite3* db, std::string path, std::string label)
      : db_(db), path_(std::move(path)), label_(std::move(label)) {}
  sqlite3* db_;
  std::string path_;
  std::string label_;
};

class Stmt {
 public:
  // Prepares one statement on `db`, which must outlive it.
  static StatusOr<Stmt> Prepare(const Db& db, std::string_view sql);
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  // Binds parameter i (1-based). Integers of any width bind as INTEGER.
  template <std::integral T>
  Stmt& Bind(int i, T v) {
    return BindInt64(i, static_cast<int64_t>(v));
  }
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& BindInt64(int i, int64_t v);
  Stmt& BindBlob(int i, std::span<const uint8_t> v);
  Stmt& BindNull(int i);

  // One step: true if a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to completion (for statements without rows).
  [[nodiscard]] Status Run();
  // Rewinds and clears the bindings, for reuse.
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  double Double(int col) const { return sqlite3_column_double(st_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  // A view of a text column, valid until the next Step/Reset (no copy).
  std::string_view TextView(int col) const;
  // A view of a blob column, valid until the next Step/Reset.
  std::span<const uint8_t> Blob(int col) const;

 private:
  Stmt(const Db* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  const Db* db_;
  sqlite3_stmt* st_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless Commit() was
// called. Not reentrant; the owner serialises transactions on one Db.
class Transaction {
 public:
  explicit Transaction(Db* db) : db_(db) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  [[nodiscard]] Status Begin();
  [[nodiscard]] Status Commit();

 private:
  Db* db_;
  bool begun_ = false;
  bool done_ = false;
};

}  // namespace candor::sqlite

#endif  // CANDOR_COMMON_SQLITE_H_
