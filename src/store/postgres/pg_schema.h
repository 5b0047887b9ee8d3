// Reading a PostgreSQL table's definition from the system catalogs (names
// bound as parameters), the "postgresql" member of schema.json built from it,
// and CREATE TABLE statements built back from a schema.json.
//
// schema.json is untrusted input (it arrives with a remote snapshot), so DDL
// is generated from structured fields, never copied as SQL: names are quoted,
// types must be built-in type names (anything else becomes json, with a
// warning), defaults must be literals. A schema.json written by another
// store is understood as well as it can be: SQLite's declared types map by
// affinity (INTEGER -> bigint, REAL -> double precision, TEXT -> text, BLOB
// -> bytea, others -> json, which holds any value as it was); without any
// types, key columns are jsonb and the others json, so every value keeps
// its exact canonical form.
//
//   "postgresql": {"columns": [{"name","type","notnull","default","identity","generated","pk"}...],
//                  "constraints": [...], "indexes": [...]}   (each only when not empty)
//
// Constraints and indexes (docs/stores/postgresql.md, "schema.json"): what
// is portable is recorded as structure and recreated (UNIQUE constraints,
// plain btree indexes on columns, foreign keys to tables of the same
// schema); the rest is recorded as PostgreSQL's definition text, for people,
// and never executed (CHECK constraints, expression and partial indexes):
// SQL from a remote snapshot is not run.
//
// Tables are those of the connection's current schema (search_path).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "json/value.h"
#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_value.h"

namespace dbsync {

struct PgColumn {
  std::string name;
  std::string type;  // format_type(): "numeric(10,2)", "text[]"
  // The type without its modifier ("numeric", "character varying[]"): a
  // cast to it never rounds or cuts a value, as one to `type` may.
  std::string cast_type;
  PgType value;
  bool notnull = false;
  std::optional<std::string> default_sql;
  std::string identity;  // "", "always" or "by default"
  bool generated = false;
  int pk = 0;  // 1-based position in the primary key, 0 if not part of it
};

struct PgTable {
  std::string name;
  std::vector<PgColumn> columns;  // in table order
  std::vector<std::string> primary_key;
  std::string comment;
  json::Array constraints;  // as schema.json records them (see above)
  json::Array indexes;

  const PgColumn* column(std::string_view name) const;
};

// Ordinary and partitioned tables of the current schema, sorted by name
// bytes; partitions are left out (their rows are read through the parent).
Result<std::vector<std::string>> list_pg_tables(PgConn& conn);
// nullopt when no such table exists.
Result<std::optional<PgTable>> read_pg_table(PgConn& conn, const std::string& name);

// The "postgresql" member of schema.json for `table`.
json::Value pg_schema_detail(const PgTable& table);

// The whole schema.json object for `table` with effective key `key`: the
// one recorded when dbsync created the table from a snapshot's schema.json,
// while the table is still as created (so replicas on different stores keep
// one schema.json), else {"key", "postgresql"}.
json::Value pg_collection_detail(const PgTable& table, const std::vector<std::string>& key);

// A foreign key to add once every table of an import exists and holds its
// rows (at commit): `add` creates it NOT VALID, `validate` then checks the
// rows; `what` names it in warnings.
struct PgForeignKey {
  std::string what, add, validate;
};

// The foreign keys schema.json (`detail`, whole object) records for
// `table`; malformed entries are kBadInput naming `label`.
Result<std::vector<PgForeignKey>> pg_foreign_keys(const std::string& table, const json::Value& detail,
                                                  const std::string& label);

// The table comment recording the schema.json a table was created from.
std::string pg_creation_comment(const PgTable& created, const json::Value& detail);

// CREATE TABLE for a collection from its schema.json (`detail`, whole
// object) and key, with its UNIQUE constraints, followed by CREATE INDEX
// statements for its indexes; `fields` are the fields its records use,
// added as json columns when schema.json does not list them. `label` names
// schema.json in errors; what could not be recreated goes to `warnings`.
Result<std::string> pg_create_statement(const std::string& table, const json::Value& detail,
                                        const std::vector<std::string>& key,
                                        const std::vector<std::string>& fields, const std::string& label,
                                        std::vector<std::string>& warnings);

// The column type for a field schema.json lists with `type` (validated), or
// json. Used for columns added later.
std::string pg_column_type_for(const json::Value& detail, const std::string& field);

// kBadInput unless `name` can be a PostgreSQL identifier as it is (not
// empty, no NUL, at most 63 bytes).
Status check_pg_ident(std::string_view name, std::string_view what);

}  // namespace dbsync
