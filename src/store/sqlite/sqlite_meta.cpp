#include "store/sqlite/sqlite_meta.h"

#include "json/canonical.h"
#include "json/parse.h"
#include "store/sql_ident.h"

namespace dbsync {
namespace {

Status bind_str(SqliteStmt& stmt, int index, std::string_view text) {
  if (sqlite3_bind_text(stmt.handle(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK) {
    return fail(ErrorCode::kInternal, "cannot bind a value");
  }
  return {};
}

std::string text_at(sqlite3_stmt* stmt, int col) {
  const unsigned char* p = sqlite3_column_text(stmt, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt, col)))
           : std::string();
}

Result<bool> table_exists(SqliteDb& db, std::string_view name) {
  auto stmt = db.prepare("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_str(*stmt, 1, name); !st) return std::unexpected(st.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

std::string sql_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// The log's key columns k1..kn, as a list.
std::string key_columns(size_t n, std::string_view prefix = "") {
  std::string out;
  for (size_t i = 1; i <= n; ++i) out += (i > 1 ? ", " : "") + std::string(prefix) + "k" + std::to_string(i);
  return out;
}

std::string row_values(const std::vector<std::string>& key, std::string_view row) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    out += i ? ", " : "";
    out += row;
    out += '.';
    append_quoted_ident(out, key[i]);
  }
  return out;
}

// The three triggers of a table: trigger name -> CREATE statement.
std::map<std::string, std::string> triggers_for(const TrackedTable& t) {
  std::map<std::string, std::string> out;
  std::string insert = "INSERT INTO \"_dbsync_changes\" (tbl, " + key_columns(t.key.size()) + ") ";
  std::string name = sql_string(t.name);
  auto make = [&](const char* suffix, const char* event, const std::string& body) {
    std::string trigger = std::string(kDbsyncTablePrefix) + t.name + suffix;
    out[trigger] = "CREATE TRIGGER " + quote_ident(trigger) + " AFTER " + event + " ON " +
                   quote_ident(t.name) + " BEGIN " + body + " END";
  };
  make("_ins", "INSERT", insert + "VALUES (" + name + ", " + row_values(t.key, "NEW") + ");");
  std::string same;
  for (const auto& k : t.key) {
    same += same.empty() ? "" : " AND ";
    same += "OLD." + quote_ident(k) + " IS NEW." + quote_ident(k);
  }
  make("_upd", "UPDATE",
       insert + "VALUES (" + name + ", " + row_values(t.key, "NEW") + "); " + insert + "SELECT " + name +
           ", " + row_values(t.key, "OLD") + " WHERE NOT (" + same + ");");
  make("_del", "DELETE", insert + "VALUES (" + name + ", " + row_values(t.key, "OLD") + ");");
  return out;
}

struct Trigger {
  std::string table, sql;
};

// dbsync's triggers in the database: name -> table and SQL.
Result<std::map<std::string, Trigger>> existing_triggers(SqliteDb& db) {
  auto stmt = db.prepare(
      "SELECT name, tbl_name, sql FROM main.sqlite_schema WHERE type = 'trigger' AND name LIKE "
      "'\\_dbsync\\_%' "
      "ESCAPE '\\'");
  if (!stmt) return std::unexpected(stmt.error());
  std::map<std::string, Trigger> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out[text_at(stmt->handle(), 0)] = {text_at(stmt->handle(), 1), text_at(stmt->handle(), 2)};
  }
  return out;
}

bool trackable(const TrackedTable& t) { return !t.key.empty() && t.key.size() <= kMaxTrackedKeyFields; }

// Tables whose three triggers are all there as triggers_for() makes them.
Result<std::set<std::string>> current_tables(SqliteDb& db, const std::vector<TrackedTable>& tables) {
  auto have = existing_triggers(db);
  if (!have) return std::unexpected(have.error());
  std::set<std::string> out;
  for (const auto& t : tables) {
    if (!trackable(t)) continue;
    bool all = true;
    for (const auto& [name, sql] : triggers_for(t)) {
      auto it = have->find(name);
      if (it == have->end() || it->second.sql != sql || it->second.table != t.name) all = false;
    }
    if (all) out.insert(t.name);
  }
  return out;
}

Result<int64_t> int_query(SqliteDb& db, const std::string& sql) {
  auto stmt = db.prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  return *row ? static_cast<int64_t>(sqlite3_column_int64(stmt->handle(), 0)) : int64_t{0};
}

Result<std::string> read_token(SqliteDb& db) {
  auto stmt = db.prepare("SELECT value FROM main._dbsync_state WHERE name = 'token'");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  return *row ? text_at(stmt->handle(), 0) : std::string();
}

Status write_token(SqliteDb& db, const std::string& token) {
  auto stmt = db.prepare("INSERT OR REPLACE INTO main._dbsync_state (name, value) VALUES ('token', ?1)");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_str(*stmt, 1, token); !st) return st;
  return stmt->run();
}

}  // namespace

bool is_dbsync_table(std::string_view name) {
  return name.substr(0, kDbsyncTablePrefix.size()) == kDbsyncTablePrefix;
}

std::string sqlite_table_fingerprint(const SqliteTable& table) {
  return json::to_canonical(sqlite_schema_detail(table, {}));
}

Status record_created_schema(SqliteDb& db, const SqliteTable& table, const json::Value& schema) {
  if (auto st = db.exec(
          "CREATE TABLE IF NOT EXISTS main._dbsync_tables (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
          "schema TEXT NOT NULL)");
      !st)
    return st;
  auto stmt = db.prepare(
      "INSERT OR REPLACE INTO main._dbsync_tables (name, fingerprint, schema) VALUES (?1, ?2, ?3)");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_str(*stmt, 1, table.name); !st) return st;
  if (auto st = bind_str(*stmt, 2, sqlite_table_fingerprint(table)); !st) return st;
  if (auto st = bind_str(*stmt, 3, json::to_canonical(schema)); !st) return st;
  return stmt->run();
}

Result<std::map<std::string, CreatedSchema>> load_created_schemas(SqliteDb& db) {
  std::map<std::string, CreatedSchema> out;
  auto exists = table_exists(db, "_dbsync_tables");
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) return out;
  auto stmt = db.prepare("SELECT name, fingerprint, schema FROM main._dbsync_tables");
  if (!stmt) return std::unexpected(stmt.error());
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto schema = json::parse(text_at(stmt->handle(), 2));
    if (!schema || !schema->is_object()) continue;
    out[text_at(stmt->handle(), 0)] = {text_at(stmt->handle(), 1), std::move(*schema)};
  }
  return out;
}

Result<bool> sqlite_tracking_ready(SqliteDb& db, const std::vector<TrackedTable>& tables, bool on) {
  auto have = existing_triggers(db);
  if (!have) return std::unexpected(have.error());
  auto log = table_exists(db, "_dbsync_changes");
  if (!log) return std::unexpected(log.error());
  if (!on) return have->empty() && !*log;
  if (!*log) return false;
  std::map<std::string, std::string> want;
  for (const auto& t : tables) {
    if (trackable(t)) want.merge(triggers_for(t));
  }
  if (want.size() != have->size()) return false;
  for (const auto& [name, sql] : want) {
    auto it = have->find(name);
    if (it == have->end() || it->second.sql != sql) return false;
  }
  return true;
}

Status sqlite_set_tracking(SqliteDb& db, const std::vector<TrackedTable>& tables, bool on) {
  auto have = existing_triggers(db);
  if (!have) return std::unexpected(have.error());
  std::map<std::string, std::string> want;
  std::map<std::string, std::string> table_of;
  if (on) {
    for (const auto& t : tables) {
      if (!trackable(t)) continue;
      for (auto& [name, sql] : triggers_for(t)) {
        table_of[name] = t.name;
        want[name] = std::move(sql);
      }
    }
  }
  // Outdated and orphaned triggers go first.
  for (const auto& [name, trigger] : *have) {
    auto it = want.find(name);
    if (it != want.end() && it->second == trigger.sql) continue;
    if (auto st = db.exec("DROP TRIGGER IF EXISTS main." + quote_ident(name)); !st) return st;
  }
  if (!on) {
    for (const char* t : {"_dbsync_changes", "_dbsync_tracked", "_dbsync_state"}) {
      if (auto st = db.exec(std::string("DROP TABLE IF EXISTS main.") + t); !st) return st;
    }
    return {};
  }
  if (auto st =
          db.exec("CREATE TABLE IF NOT EXISTS main._dbsync_changes (seq INTEGER PRIMARY KEY, tbl TEXT NOT "
                  "NULL, " +
                  key_columns(kMaxTrackedKeyFields) + ")");
      !st)
    return st;
  if (auto st = db.exec("CREATE TABLE IF NOT EXISTS main._dbsync_tracked (name TEXT PRIMARY KEY)"); !st)
    return st;
  if (auto st = db.exec(
          "CREATE TABLE IF NOT EXISTS main._dbsync_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
      !st)
    return st;
  auto untrack = db.prepare("DELETE FROM main._dbsync_tracked WHERE name = ?1");
  if (!untrack) return std::unexpected(untrack.error());
  for (const auto& [name, sql] : want) {
    auto it = have->find(name);
    if (it != have->end() && it->second.sql == sql) continue;
    if (auto st = db.exec(sql); !st) return st;
    // Changes made before this trigger existed are not in the log.
    if (auto st = bind_str(*untrack, 1, table_of[name]); !st) return st;
    if (auto st = untrack->run(); !st) return st;
    untrack->reset();
  }
  return {};
}

Result<SqliteChangeLog> sqlite_read_change_log(SqliteDb& db, const std::vector<TrackedTable>& tables) {
  SqliteChangeLog out;
  for (const char* t : {"_dbsync_changes", "_dbsync_tracked", "_dbsync_state"}) {
    auto exists = table_exists(db, t);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return out;
  }
  auto token = read_token(db);
  if (!token) return std::unexpected(token.error());
  auto upto = int_query(db, "SELECT coalesce(max(seq), 0) FROM main._dbsync_changes");
  if (!upto) return std::unexpected(upto.error());
  auto current = current_tables(db, tables);
  if (!current) return std::unexpected(current.error());
  auto stmt = db.prepare("SELECT name FROM main._dbsync_tracked");
  if (!stmt) return std::unexpected(stmt.error());
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    std::string name = text_at(stmt->handle(), 0);
    if (current->count(name)) out.tracked.insert(std::move(name));
  }
  out.token = std::move(*token);
  out.upto = *upto;
  return out;
}

Status sqlite_changed_keys(SqliteDb& db, const TrackedTable& table, int64_t upto,
                           const std::function<Status(sqlite3_stmt*)>& row) {
  auto stmt = db.prepare("SELECT DISTINCT " + key_columns(table.key.size()) +
                         " FROM main._dbsync_changes WHERE tbl = ?1 AND seq <= ?2");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto st = bind_str(*stmt, 1, table.name); !st) return st;
  sqlite3_bind_int64(stmt->handle(), 2, upto);
  for (;;) {
    auto more = stmt->step();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    if (auto st = row(stmt->handle()); !st) return st;
  }
  return {};
}

Result<int64_t> sqlite_change_log_end(SqliteDb& db) {
  auto exists = table_exists(db, "_dbsync_changes");
  if (!exists) return std::unexpected(exists.error());
  if (!*exists) return int64_t{0};
  return int_query(db, "SELECT coalesce(max(seq), 0) FROM main._dbsync_changes");
}

Status sqlite_reset_change_log(SqliteDb& db, int64_t upto, const std::string& token) {
  for (const char* t : {"_dbsync_changes", "_dbsync_tracked", "_dbsync_state"}) {
    auto exists = table_exists(db, t);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return {};
  }
  auto del = db.prepare("DELETE FROM main._dbsync_changes WHERE seq <= ?1");
  if (!del) return std::unexpected(del.error());
  sqlite3_bind_int64(del->handle(), 1, upto);
  if (auto st = del->run(); !st) return st;
  if (auto st = write_token(db, token); !st) return st;
  if (auto st = db.exec("DELETE FROM main._dbsync_tracked"); !st) return st;
  auto have = existing_triggers(db);
  if (!have) return std::unexpected(have.error());
  std::map<std::string, int> count;
  for (const auto& [name, t] : *have) ++count[t.table];
  auto ins = db.prepare("INSERT OR IGNORE INTO main._dbsync_tracked (name) VALUES (?1)");
  if (!ins) return std::unexpected(ins.error());
  for (const auto& [table, n] : count) {
    if (n != 3) continue;
    if (auto st = bind_str(*ins, 1, table); !st) return st;
    if (auto st = ins->run(); !st) return st;
    ins->reset();
  }
  return {};
}

Result<bool> sqlite_change_log_after_import(SqliteDb& db, int64_t mark, const std::string& expect,
                                            const std::string& token) {
  for (const char* t : {"_dbsync_changes", "_dbsync_tracked", "_dbsync_state"}) {
    auto exists = table_exists(db, t);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return false;
  }
  auto del = db.prepare("DELETE FROM main._dbsync_changes WHERE seq > ?1");
  if (!del) return std::unexpected(del.error());
  sqlite3_bind_int64(del->handle(), 1, mark);
  if (auto st = del->run(); !st) return std::unexpected(st.error());
  auto now = read_token(db);
  if (!now) return std::unexpected(now.error());
  if (expect.empty() || *now != expect) return false;
  if (auto st = write_token(db, token); !st) return std::unexpected(st.error());
  return true;
}

}  // namespace dbsync
