// A thin RAII layer over the SQLite C API for the SQLite store: one
// connection (SqliteDb) and its prepared statements (SqliteStmt). Every
// statement execution passes fault::check(kSql) first (the crash-safety
// tests make the k-th statement fail), and every SQLite failure becomes an
// Error that names the database file and the statement. Move-only; not
// thread-safe (a connection is used by one thread).
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.h"

namespace dbsync {

class SqliteStmt;

class SqliteDb {
 public:
  // Opens `path`; with `create` a missing file is created, else it is an
  // error (kUnavailable). Sets a busy timeout so dbsync waits for the
  // application's short writes instead of failing.
  static Result<SqliteDb> open(const std::filesystem::path& path, bool create);

  SqliteDb(SqliteDb&& other) noexcept : db_(other.db_), label_(std::move(other.label_)) {
    other.db_ = nullptr;
  }
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  sqlite3* handle() const { return db_; }
  const std::string& label() const { return label_; }

  // Runs statements that return no rows (BEGIN, COMMIT, DDL).
  Status exec(std::string_view sql);
  Result<SqliteStmt> prepare(std::string_view sql);

  // The connection's last error as an Error about `sql`.
  Error error(int rc, std::string_view sql) const;

 private:
  SqliteDb(sqlite3* db, std::string label) : db_(db), label_(std::move(label)) {}
  sqlite3* db_ = nullptr;
  std::string label_;
};

class SqliteStmt {
 public:
  SqliteStmt(SqliteStmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_), fresh_(other.fresh_) {
    other.stmt_ = nullptr;
  }
  SqliteStmt& operator=(SqliteStmt&& other) noexcept;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt();

  sqlite3_stmt* handle() const { return stmt_; }

  // Advances: true when a row is available, false when done.
  Result<bool> step();
  // Runs to completion, ignoring rows.
  Status run();
  // Clears the bindings and rewinds for the next execution.
  void reset();

 private:
  friend class SqliteDb;
  SqliteStmt(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const SqliteDb* db_;
  sqlite3_stmt* stmt_;
  bool fresh_ = true;  // no step since the last reset: the next step runs the statement
};

}  // namespace dbsync
