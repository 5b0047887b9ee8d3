// Reading an SQLite table's definition (through the pragma table-valued
// functions, with the table name bound as a parameter, never spliced), the
// "sqlite" member of schema.json built from it, and CREATE statements built
// back from schema.json.
//
// schema.json is untrusted input (it arrives with a remote snapshot), so the
// DDL is generated from structured fields, never copied as SQL text: names
// are quoted, declared types must be plain type names such as NUMERIC(10,2),
// defaults must be literals (others are dropped with a warning), and foreign
// key actions come from SQL's fixed list. Value types; thread-safe.
//
//   "sqlite": {"columns": [{"name","type","notnull","default","pk"}...],
//              "foreign_keys": [{"columns","table","references","on_update","on_delete"}...],
//              "indexes": [{"name","unique","columns"}...],
//              "local": ["id"],  (only when a natural key leaves out the rowid alias)
//              "without_rowid": false}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "json/value.h"
#include "store/sqlite/sqlite_db.h"
#include "util/error.h"

namespace dbsync {

struct SqliteColumn {
  std::string name;
  std::string type;  // declared type as written, may be empty
  bool notnull = false;
  std::optional<std::string> default_sql;  // dflt_value as SQL text
  int pk = 0;                              // 1-based position in the primary key, 0 if not part of it
  int hidden = 0;                          // 0 normal, 1 hidden, 2/3 generated
  bool writable() const { return hidden == 0; }
  bool readable() const { return hidden != 1; }
};

struct SqliteForeignKey {
  std::vector<std::string> columns;
  std::string table;
  std::vector<std::string> references;  // empty: the parent's primary key
  std::string on_update = "NO ACTION";
  std::string on_delete = "NO ACTION";
};

struct SqliteIndex {
  std::string name;
  bool unique = false;
  std::vector<std::string> columns;
};

struct SqliteTable {
  std::string name;
  bool without_rowid = false;
  std::vector<SqliteColumn> columns;  // in table order
  std::vector<SqliteForeignKey> foreign_keys;
  std::vector<SqliteIndex> indexes;      // plain column indexes; expression and partial ones are left out
  std::vector<std::string> primary_key;  // in key order
  std::string rowid_alias;               // the INTEGER PRIMARY KEY column, if any

  const SqliteColumn* column(std::string_view name) const;
};

struct SqliteTableEntry {
  std::string name;
  std::string type;  // table, view, virtual, shadow
};

// Tables of the main schema, sqlite_* internals left out, sorted by name.
Result<std::vector<SqliteTableEntry>> list_sqlite_tables(SqliteDb& db);
// nullopt when no such table exists.
Result<std::optional<SqliteTable>> read_sqlite_table(SqliteDb& db, const std::string& name);

// The "sqlite" member of schema.json for `table`; `local` lists columns kept
// out of the documents.
json::Value sqlite_schema_detail(const SqliteTable& table, const std::vector<std::string>& local);

// CREATE TABLE (and CREATE INDEX) statements for a collection from its
// schema.json (`detail`, whole object) and key; `fields` are the fields its
// records use, added as untyped columns when schema.json does not list them.
// `label` names schema.json in errors. Dropped defaults go to `warnings`.
Result<std::vector<std::string>> sqlite_create_statements(const std::string& table, const json::Value& detail,
                                                          const std::vector<std::string>& key,
                                                          const std::vector<std::string>& fields,
                                                          const std::string& label,
                                                          std::vector<std::string>& warnings);

// A declared column type dbsync will write into DDL: letters, digits, '_',
// spaces, and one parenthesised list of numbers ("NUMERIC(10,2)").
bool is_safe_sql_type(std::string_view type);
// A default that is a literal: a number, a string, a blob, NULL, TRUE,
// FALSE, CURRENT_TIME/DATE/TIMESTAMP, possibly in parentheses.
bool is_literal_default(std::string_view sql);

}  // namespace dbsync
