// Copyright 2026 The Candor Authors.

#include "common/sqlite.h"

namespace candor::sqlite {

StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path, const OpenOptions& options) {
  sqlite3* raw = nullptr;
  int flags =
      SQLITE_OPEN_FULLMUTEX | (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<Db> db(new Db(raw, path, options.label));
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_CANTOPEN) {
      return NotFoundError("cannot open " + options.label + " " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : "out of memory"));
    }
    return db->Error(rc, "cannot open");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

Status Db::Error(int rc, std::string_view what) const {
  std::string msg =
      std::string(what) + " (" + path_ + "): " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(label_ + " is corrupt: " + msg);
    case SQLITE_FULL:
      return ResourceExhaustedError(msg + " (disk full)");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(msg);
    case SQLITE_CONSTRAINT:
      return AlreadyExistsError(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return PermissionDeniedError(msg);
    case SQLITE_IOERR:
      return UnavailableError("I/O error: " + msg);
    case SQLITE_CANTOPEN:
      return NotFoundError(msg);
    default:
      return InternalError(msg);
  }
}

Status Db::Exec(std::string_view sql) {
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "SQL '" + std::string(sql.substr(0, 60)) + "' failed");
  return OkStatus();
}

StatusOr<Stmt> Stmt::Prepare(const Db& db, std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db.raw(), sql.data(), static_cast<int>(sql.size()), &st, nullptr);
  if (rc != SQLITE_OK) {
    if (st) sqlite3_finalize(st);
    return db.Error(rc, "cannot prepare '" + std::string(sql.substr(0, 60)) + "'");
  }
  return Stmt(&db, st);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (st_) sqlite3_finalize(st_);
    db_ = o.db_;
    st_ = o.st_;
    o.st_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (st_) sqlite3_finalize(st_);
}

Stmt& Stmt::BindInt64(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::span<const uint8_t> v) {
  sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, "query failed");
}

Status Stmt::Run() {
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

void Stmt::Reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(st_, col);
  int n = sqlite3_column_bytes(st_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::string_view Stmt::TextView(int col) const {
  const unsigned char* p = sqlite3_column_text(st_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col))};
}

std::span<const uint8_t> Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(st_, col);
  int n = sqlite3_column_bytes(st_, col);
  return {static_cast<const uint8_t*>(p), static_cast<size_t>(n)};
}

Transaction::~Transaction() {
  if (begun_ && !done_) db_->Exec("ROLLBACK").IgnoreError();
}

Status Transaction::Begin() {
  CANDOR_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  begun_ = true;
  return OkStatus();
}

Status Transaction::Commit() {
  done_ = true;
  return db_->Exec("COMMIT");
}

}  // namespace candor::sqlite
