#include "store/sqlite/sqlite_db.h"

#include "util/fault.h"

namespace dbsync {
namespace {

constexpr int kBusyTimeoutMs = 30000;

std::string short_sql(std::string_view sql) {
  std::string s(sql.substr(0, 60));
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return sql.size() > 60 ? s + "…" : s;
}

ErrorCode code_for(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG: return ErrorCode::kBadInput;
    case SQLITE_INTERNAL:
    case SQLITE_MISUSE:
    case SQLITE_RANGE: return ErrorCode::kInternal;
    default: return ErrorCode::kUnavailable;
  }
}

}  // namespace

Result<SqliteDb> SqliteDb::open(const std::filesystem::path& path, bool create) {
  std::string label = path.string();
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    return fail(ErrorCode::kUnavailable, "no SQLite database at '" + label + "'",
                "check the database URL (--db, .dbsync/local.toml or dbsync.toml)");
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return fail(ErrorCode::kUnavailable, "cannot open SQLite database '" + label + "': " + msg);
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // SQLite's default page cache (2 MB) stays: a larger one made an import
  // of 10,000 changed rows into a 1,000,000-row file 2-4x slower (every
  // dirty page a fresh allocation, kept until the commit), and pages are
  // read through the memory map below anyway.
  // Pages are read through a memory map instead of read() into cache
  // buffers: a scan of a million rows or ten thousand lookups then copies
  // and allocates nothing per page. SQLite still writes with write() (this
  // changes no durability: commits, journal and fsyncs are as before).
  sqlite3_exec(db, "PRAGMA mmap_size = 2147418112", nullptr, nullptr, nullptr);
  SqliteDb out(db, label);
  // Reading the schema tells a file that is not a database apart early.
  if (auto st = out.exec("SELECT count(*) FROM sqlite_schema"); !st) return std::unexpected(st.error());
  return out;
}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = other.db_;
    label_ = std::move(other.label_);
    other.db_ = nullptr;
  }
  return *this;
}

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

Error SqliteDb::error(int rc, std::string_view sql) const {
  std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string hint;
  if ((rc & 0xFF) == SQLITE_BUSY || (rc & 0xFF) == SQLITE_LOCKED) {
    hint = "another program holds the database lock; retry when it is idle";
  }
  return Error(code_for(rc), "SQLite database '" + label_ + "': " + msg + " (in: " + short_sql(sql) + ")",
               hint);
}

Status SqliteDb::exec(std::string_view sql) {
  auto stmt = prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  return stmt->run();
}

Result<SqliteStmt> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              &tail);
  if (rc != SQLITE_OK) return std::unexpected(error(rc, sql));
  if (stmt == nullptr) return fail(ErrorCode::kInternal, "empty SQL statement");
  if (tail != nullptr && tail != sql.data() + sql.size()) {
    sqlite3_finalize(stmt);
    return fail(ErrorCode::kInternal, "more than one SQL statement in '" + short_sql(sql) + "'");
  }
  return SqliteStmt(this, stmt);
}

SqliteStmt& SqliteStmt::operator=(SqliteStmt&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    fresh_ = other.fresh_;
    other.stmt_ = nullptr;
  }
  return *this;
}

SqliteStmt::~SqliteStmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Result<bool> SqliteStmt::step() {
  if (fresh_) {
    if (auto st = fault::check(fault::Op::kSql, sqlite3_sql(stmt_)); !st) return std::unexpected(st.error());
    fresh_ = false;
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(db_->error(rc, sqlite3_sql(stmt_)));
}

Status SqliteStmt::run() {
  for (;;) {
    auto more = step();
    if (!more) {
      reset();
      return std::unexpected(more.error());
    }
    if (!*more) break;
  }
  reset();
  return {};
}

void SqliteStmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  fresh_ = true;
}

}  // namespace dbsync
