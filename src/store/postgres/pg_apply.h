// Writing a run of changes of one kind to one table. Inserts: COPY straight
// into the table, so a key another session inserted meanwhile fails the run
// with a unique violation (kConflict, PostgreSQL's message names the key)
// instead of being overwritten. Updates and deletes: COPY into a temporary
// staging table, one set-based UPDATE … FROM / DELETE … USING joined on the
// key, and a check that every change hit exactly one row (kConflict when a
// row vanished). Not thread-safe.
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
  Status copy_data(Change::Op op, std::span<const Change> changes, const std::vector<const PgColumn*>& cols,
                   std::string& data) const;
  Status vanished(uint64_t expected, uint64_t done);

  PgTableState& state_;
  std::string name_;
  bool created_ = false;
  std::vector<const PgColumn*> cols_;  // staging columns: write columns, then key columns not among them
};

}  // namespace dbsync
