// Copyright 2026 The Candor Authors.
//
// A thin RAII layer over the SQLite C API for the store's metadata: a
// connection (Db) and prepared statements (Stmt), with SQLite result codes
// turned into candor::Status (SQLITE_CORRUPT/NOTADB -> DATA_LOSS naming the
// file, SQLITE_FULL -> RESOURCE_EXHAUSTED, SQLITE_BUSY/LOCKED -> UNAVAILABLE,
// constraint violations -> ALREADY_EXISTS).
//
// Thread safety: a Db is opened in serialized mode and may be shared; a Stmt
// belongs to one thread at a time.

#ifndef CANDOR_GALLERY_SQLITE_UTIL_H_
#define CANDOR_GALLERY_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "candor/status.h"

namespace candor::gallery {

class Db {
 public:
  // Opens `path`; read_only opens without creating or writing.
  static StatusOr<std::unique_ptr<Db>> Open(const std::string& path, bool read_only, bool create);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without results.
  Status Exec(std::string_view sql);
  // Maps an SQLite result code to a Status mentioning `what`.
  Status Error(int rc, std::string_view what) const;

  sqlite3* raw() const { return db_; }
  const std::string& path() const { return path_; }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

class Stmt {
 public:
  static StatusOr<Stmt> Prepare(const Db& db, std::string_view sql);
  Stmt(Stmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view v);
  Stmt& BindBlob(int i, std::span<const uint8_t> v);
  Stmt& BindNull(int i);

  // One step: true if a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to completion (for statements without rows).
  Status Run();
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  double Double(int col) const { return sqlite3_column_double(st_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string Text(int col) const;
  // A view of a text column, valid until the next Step/Reset (no copy).
  std::string_view TextView(int col) const;
  std::span<const uint8_t> Blob(int col) const;

 private:
  Stmt(const Db* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  const Db* db_;
  sqlite3_stmt* st_;
};

}  // namespace candor::gallery

#endif  // CANDOR_GALLERY_SQLITE_UTIL_H_
