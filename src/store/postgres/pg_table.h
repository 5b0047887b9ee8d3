// One PostgreSQL table as the store reads and writes it for a given key:
// which columns form the document (all but "local" ones, in RFC 8785 name
// order), how a row of text values becomes canonical JSON plus key
// encoding, and the SQL text of its select list.
//
// A column is local when a natural key (dbsync.toml `key`) leaves out a
// single-column primary key that the database numbers itself (identity or
// serial): a per-replica surrogate, never part of the document.
// Not thread-safe; owned by one transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg_copy_binary.h"
#include "store/postgres/pg_schema.h"

namespace dbsync {

class PgTableState {
 public:
  // kUsage when a key field is not a column of the table. Timestamps count
  // as having a binary form when `integer_datetimes` (PgConn).
  static Result<PgTableState> make(PgTable table, const std::vector<std::string>& key,
                                   bool integer_datetimes);

  const PgTable& table() const { return table_; }
  const std::vector<std::string>& key() const { return key_; }
  // Document columns in RFC 8785 order.
  const std::vector<const PgColumn*>& doc_columns() const { return doc_; }
  // Document columns an insert writes (not generated).
  const std::vector<const PgColumn*>& write_columns() const { return write_; }
  // Key columns in key order.
  const std::vector<const PgColumn*>& key_columns() const { return key_cols_; }
  // Whether an insert needs OVERRIDING SYSTEM VALUE (an identity ALWAYS column).
  bool overriding() const { return overriding_; }

  // "c1", "c2", … for the document columns, prefixed with `alias`. when given.
  std::string select_list(std::string_view alias = {}) const;

  // Whether every document column has a COPY binary form
  // (pg_copy_binary.h), so that rows may be read as binary; and every
  // write column, so that they may be written as binary.
  bool binary_readable() const { return binary_readable_; }
  bool binary_writable() const { return binary_writable_; }
  // The write columns' binary forms, in write_columns() order.
  const std::vector<PgBinaryType>& write_binary_types() const { return write_binary_; }

  // Encodes one row: `values[j]` is document column j's text (its COPY
  // binary field when `binary`), nullopt for NULL. `key` may be null.
  // Fails for a json value that cannot be held.
  Status encode(const std::vector<std::optional<std::string_view>>& values, std::string& doc,
                std::string* key, bool binary = false);

 private:
  PgTable table_;
  std::vector<std::string> key_;
  std::vector<const PgColumn*> doc_, write_, key_cols_;
  std::vector<size_t> key_pos_;
  std::vector<std::string> prefixes_;
  std::vector<std::pair<size_t, size_t>> spans_;
  bool overriding_ = false;
  std::vector<PgBinaryType> binary_;        // per document column
  std::vector<PgBinaryType> write_binary_;  // per write column
  bool binary_readable_ = false, binary_writable_ = false;
};

}  // namespace dbsync
