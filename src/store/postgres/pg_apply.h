// Writing a run of changes of one kind (all inserts, all updates or all
// deletes) to one table: COPY into a temporary staging table, then one
// set-based statement that joins it on the key, then a check that every
// change hit exactly one row. A row that is not where the import expects it
// (a key inserted or a row deleted by another session) fails the run with
// kConflict naming the key; nothing is overwritten. Not thread-safe.
#pragma once

#include <span>
#include <string>

#include "store/postgres/pg_conn.h"
#include "store/postgres/pg_table.h"
#include "store/store.h"

namespace dbsync {

class PgStage {
 public:
  // A staging table named `name` for `state` (created on first use, dropped
  // at commit or rollback).
  PgStage(PgTableState& state, std::string name) : state_(state), name_(std::move(name)) {}

  // REQUIRES: every change in `changes` has op `op`.
  Status apply(PgConn& conn, Change::Op op, std::span<const Change> changes);

 private:
  Status ensure(PgConn& conn);
  std::string key_join(std::string_view a, std::string_view b) const;
  Status first_conflict(PgConn& conn, uint64_t expected, uint64_t done, Change::Op op);

  PgTableState& state_;
  std::string name_;
  bool created_ = false;
  std::vector<const PgColumn*> cols_;  // staging columns: write columns, then key columns not among them
};

}  // namespace dbsync
