// Copyright 2026 The Candor Authors.

#include "govern/sqlite_db.h"

namespace candor::govern_internal {

StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if (rc == SQLITE_CONSTRAINT) return AlreadyExistsError(sqlite3_errmsg(db_));
  if (rc == SQLITE_BUSY)
    return UnavailableError(std::string("database busy: ") + sqlite3_errmsg(db_));
  return InternalError(std::string("sqlite: ") + sqlite3_errmsg(db_));
}

Status Stmt::Run() {
  while (true) {
    CANDOR_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

StatusOr<std::unique_ptr<Db>> Db::Open(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return InternalError("cannot open " + path.string() + ": " + msg);
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_busy_timeout(raw, 5000);
  CANDOR_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  CANDOR_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  CANDOR_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  return db;
}

Db::~Db() { sqlite3_close(db_); }

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    if (rc == SQLITE_CONSTRAINT) return AlreadyExistsError(msg);
    return InternalError("sqlite: " + msg);
  }
  return OkStatus();
}

StatusOr<std::unique_ptr<Stmt>> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return InternalError(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  return std::make_unique<Stmt>(db_, s);
}

}  // namespace candor::govern_internal
