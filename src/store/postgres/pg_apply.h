// Writing a run of changes of one kind to one table. Inserts: COPY straight
// into the table, so a key another session inserted meanwhile fails the run
// with a unique violation (kConflict, PostgreSQL's message names the key)
// instead of being overwritten; rows stream to the server in chunks while
// the next ones convert (PgConn::begin_copy), and the caller ends the COPY
// (PgConn::end_copy) when its apply() returns. When every column has a
// binary form (pg_copy_binary.h) the rows go as COPY binary, switching to
// text for good at the first value that has none. Updates and deletes: COPY into a temporary staging
// table, one set-based UPDATE … FROM / DELETE … USING joined on the key, and
// a check that every change hit exactly one row (kConflict when a row
// vanished). Documents given as canonical text (Change::doc_text) convert
// without being parsed (pg_doc_text.h). Not thread-safe.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_copy_binary.h"
#include "store/postgres/pg_table.h"
#include "store/store.h"

namespace dbsync {

class PgStage {
 public:
  // A staging table named `name` for `state` (created on first use, dropped
  // at commit or rollback).
  PgStage(PgTableState& state, std::string name) : state_(state), name_(std::move(name)) {}

  // Writes the changes in order and returns how many it wrote: all of
  // them, or fewer when the next change's document (given as text) has a
  // field that is no column of the table; the caller adds the column and
  // writes the rest with a new stage (the table's state changed).
  // REQUIRES: every change in `changes` has op `op`.
  Result<size_t> apply(PgConn& conn, Change::Op op, std::span<const Change> changes);

  // Inserts COPY with FREEZE: only for a table created in this transaction
  // (and no savepoint since), whose rows nobody else sees before commit
  // anyway. Rows written frozen are never rewritten later to set hint bits
  // or freeze them, and pages come out all-visible.
  void set_freeze(bool freeze) { freeze_ = freeze; }

 private:
  Status ensure(PgConn& conn);
  std::string key_join(std::string_view a, std::string_view b) const;
  // Appends one COPY row per change to `data` for columns `cols` (binary
  // rows when `binary`), handing `data` to `flush` whenever it grows past a
  // chunk; returns how many rows it appended (see apply()). Stopping at a
  // row that needs text sets needs_text_.
  Result<size_t> copy_data(Change::Op op, std::span<const Change> changes,
                           const std::vector<const PgColumn*>& cols, std::string& data,
                           const std::function<Status(std::string&)>& flush, bool binary = false);
  // Finds each column's JSON text in the change's document (slots_); false
  // when the document has a field that is no column.
  Result<bool> find_slots(Change::Op op, const Change& c, const std::vector<const PgColumn*>& cols);
  // One change's row from slots_, as COPY text; or as COPY binary, false
  // (and `data` unchanged) when a value has no binary form.
  Status text_row(const Change& c, const std::vector<const PgColumn*>& cols, std::string& data);
  bool binary_row(const Change& c, const std::vector<const PgColumn*>& cols, std::string& data);
  // Whether inserts may go as COPY binary: every write column has a binary
  // form and no row needed text yet.
  bool binary_inserts() const;
  Status open_insert_copy(PgConn& conn, bool binary);
  Status vanished(uint64_t expected, uint64_t done);

  PgTableState& state_;
  std::string name_;
  bool created_ = false;
  bool freeze_ = false;
  bool needs_text_ = false;              // a row had a value without a binary form
  std::vector<const PgColumn*> cols_;    // staging columns: write columns, then key columns not among them
  std::vector<std::string_view> slots_;  // find_slots(): each column's JSON text in the document
};

}  // namespace dbsync
