// One SQLite table as the store reads and writes it for a given key: which
// columns form the document (every readable column but "local" ones, in RFC
// 8785 name order), how a row becomes canonical JSON plus key encoding, and
// the prepared statements for scan, lookup, insert, update and delete.
//
// A column is local when a natural key (dbsync.toml `key`) leaves out the
// table's INTEGER PRIMARY KEY: that rowid alias is a per-replica surrogate,
// assigned by each database on insert and never part of the document.
// Not thread-safe; owned by one transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "json/value.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_schema.h"
#include "util/error.h"

namespace dbsync {

// Turns rows of a statement whose result columns are the document columns,
// in order, into canonical documents and key encodings.
class RowEncoder {
 public:
  RowEncoder() = default;
  // `names` in RFC 8785 order; `key_pos[i]` is the position of key field i.
  RowEncoder(const std::vector<std::string>& names, std::vector<size_t> key_pos);
  // Encodes the current row of `stmt`, whose result column `first + j`
  // holds document column j.
  void encode(sqlite3_stmt* stmt, std::string& doc, std::string* key, int first = 0);

 private:
  std::vector<std::string> prefixes_;  // ,"name":
  std::vector<size_t> key_pos_;
  std::vector<std::pair<size_t, size_t>> spans_;
};

class SqliteTableState {
 public:
  // Fails (kUsage) when a key field is not a column of the table.
  static Result<SqliteTableState> make(SqliteTable table, const std::vector<std::string>& key);

  const SqliteTable& table() const { return table_; }
  const std::vector<std::string>& local() const { return local_; }
  // Document columns in RFC 8785 order.
  const std::vector<std::string>& doc_columns() const { return doc_columns_; }
  // Columns an insert or update writes (document columns that are not generated).
  const std::vector<std::string>& write_columns() const { return write_columns_; }
  RowEncoder& encoder() { return encoder_; }

  // Statements, prepared on first use.
  Result<SqliteStmt*> select_all(SqliteDb& db);
  Result<SqliteStmt*> lookup(SqliteDb& db);
  Result<SqliteStmt*> insert(SqliteDb& db);
  // One INSERT of insert_rows() rows (parameters row after row), or nullptr
  // when rows are best written one at a time (a single row, or too many
  // columns for SQLite's parameter limit).
  Result<SqliteStmt*> insert_many(SqliteDb& db);
  size_t insert_rows() const { return insert_rows_; }
  Result<SqliteStmt*> update(SqliteDb& db);
  Result<SqliteStmt*> remove(SqliteDb& db);

  // Binds key values to parameters first..first+n-1.
  Status bind_key(SqliteStmt& stmt, const json::Array& values, int first);
  // Binds the write columns from `doc` (missing fields as NULL) from `first`.
  Status bind_doc(SqliteStmt& stmt, const json::Value& doc, int first);
  // The same from a checked canonical document's text, without building a
  // json::Value; strings are bound by reference to `doc`. Returns false
  // (with nothing usable bound) when the document has a field that is not
  // a column of the table: the caller adds the column, then binds again.
  Result<bool> bind_doc_text(SqliteStmt& stmt, std::string_view doc, int first);

 private:
  // bind_doc_text for the documents most tables hold: member names as the
  // columns' own literals, strings without escapes, no nested values. False
  // when the document is not one of those (some parameters may be bound).
  bool bind_plain_doc_text(sqlite3_stmt* stmt, std::string_view doc, int first);

  SqliteTable table_;
  std::vector<std::string> key_;
  std::vector<std::string> local_;
  std::vector<std::string> doc_columns_;
  std::vector<std::string> write_columns_;
  // Per document column: its name's JSON literal and ':', and its position
  // among the write columns (-1: generated, not written).
  std::vector<std::string> member_tokens_;
  std::vector<int> write_index_;
  RowEncoder encoder_;
  std::optional<SqliteStmt> select_all_, lookup_, insert_, update_, remove_, insert_many_;
  size_t insert_rows_ = 0;  // 0: not decided yet
};

}  // namespace dbsync
