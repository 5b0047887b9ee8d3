// Tables dbsync keeps inside an SQLite database for its own bookkeeping.
// Their names start with "_dbsync_"; they are never synced, exported or
// listed in the catalog (is_dbsync_table), and nothing else is stored in
// them than what is described here.
//
//   _dbsync_tables (name TEXT PRIMARY KEY, fingerprint TEXT, schema TEXT)
//     The schema.json a table was created from by `dbsync import`, when it
//     differs from the SQLite store's own form (a table created from a
//     PostgreSQL or MongoDB replica's schema.json). While the table is still
//     as created (same fingerprint) the catalog reports that schema.json, so
//     replicas on different stores keep one schema.json instead of
//     rewriting it back and forth.
//
//   _dbsync_changes (seq INTEGER PRIMARY KEY, tbl TEXT, k1 ... k8)
//   _dbsync_tracked (name TEXT PRIMARY KEY)
//   _dbsync_state (name TEXT PRIMARY KEY, value TEXT)
//   triggers "_dbsync_<table>_ins", "_upd", "_del" on each synced table
//     Change tracking (dbsync.toml change_tracking = "triggers"): AFTER
//     INSERT/UPDATE/DELETE triggers append the key of every row the
//     application writes to _dbsync_changes (an update that changes the
//     key logs the old key too). _dbsync_state's "token" names the
//     matched state the log is complete since, _dbsync_tracked the tables
//     it is complete for (a table whose triggers had to be installed again,
//     say after it was dropped and created anew, is not, until the next
//     export read all of it). Tables with more than kMaxTrackedKeyFields key
//     fields are not tracked.
//
// Not thread-safe (one connection).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_schema.h"
#include "util/error.h"

namespace dbsync {

inline constexpr std::string_view kDbsyncTablePrefix = "_dbsync_";

// Whether `name` is one of dbsync's own tables (kept out of the catalog).
bool is_dbsync_table(std::string_view name);

// What the table's definition looks like now: changes when a column, an
// index or a foreign key is added, dropped or altered.
std::string sqlite_table_fingerprint(const SqliteTable& table);

struct CreatedSchema {
  std::string fingerprint;  // the table's fingerprint right after CREATE
  json::Value schema;       // the schema.json object it was created from
};

// Remembers that `table` (just created) came from `schema`. Write
// transactions only.
Status record_created_schema(SqliteDb& db, const SqliteTable& table, const json::Value& schema);

// Every recorded creation, by table name (empty when none was recorded).
// Unreadable entries are left out: the table then reports its own form.
Result<std::map<std::string, CreatedSchema>> load_created_schemas(SqliteDb& db);

inline constexpr size_t kMaxTrackedKeyFields = 8;

// A synced table and the key its triggers log.
struct TrackedTable {
  std::string name;
  std::vector<std::string> key;
};

// Whether every table has its current triggers (on) or no tracking object
// is left (off).
Result<bool> sqlite_tracking_ready(SqliteDb& db, const std::vector<TrackedTable>& tables, bool on);
// Write transactions only: installs what is missing or outdated (on), or
// removes every tracking table and trigger (off).
Status sqlite_set_tracking(SqliteDb& db, const std::vector<TrackedTable>& tables, bool on);

struct SqliteChangeLog {
  std::string token;
  int64_t upto = 0;
  std::set<std::string> tracked;  // tables with current triggers, complete since `token`
};
Result<SqliteChangeLog> sqlite_read_change_log(SqliteDb& db, const std::vector<TrackedTable>& tables);

// Calls `row` for each distinct key the log holds for `table` up to `upto`;
// the statement's result columns 0..n-1 are the key values.
Status sqlite_changed_keys(SqliteDb& db, const TrackedTable& table, int64_t upto,
                           const std::function<Status(sqlite3_stmt*)>& row);

// The last entry of the log (0 when there is none).
Result<int64_t> sqlite_change_log_end(SqliteDb& db);
// Forgets entries up to `upto`, sets the token and marks every table with
// its triggers as tracked.
Status sqlite_reset_change_log(SqliteDb& db, int64_t upto, const std::string& token);
// Forgets entries after `mark`; sets the token to `token` when it was
// `expect` (returns whether it did).
Result<bool> sqlite_change_log_after_import(SqliteDb& db, int64_t mark, const std::string& expect,
                                            const std::string& token);

}  // namespace dbsync
