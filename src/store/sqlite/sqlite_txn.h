// The SQLite store's transaction (store/store.h StoreTxn): BEGIN for reads,
// BEGIN IMMEDIATE for writes, ROLLBACK when destroyed uncommitted.
#pragma once

#include <memory>

#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace dbsync {

// REQUIRES: no other transaction of `db` is open; `db` outlives the result.
Result<std::unique_ptr<StoreTxn>> begin_sqlite_txn(SqliteDb& db, TxnMode mode);

}  // namespace dbsync
