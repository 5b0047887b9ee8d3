// The PostgreSQL store's transaction (store/store.h StoreTxn).
//
// Reads run in one REPEATABLE READ, READ ONLY transaction: every table is
// read from the same snapshot. Writes run in READ COMMITTED and take row
// locks instead of a database-wide lock: lookup() reads with SELECT … FOR
// UPDATE, so a row the import read cannot change before the import writes
// it, and the application keeps writing other rows meanwhile. A row the
// application inserts with a key the import is about to insert is not
// overwritten: the import's COPY meets it on the primary key, the batch
// fails with kConflict naming the key, and the whole transaction rolls back;
// the next sync exports that row first. Inserts COPY straight into the
// table; updates and deletes go through a temporary staging table filled by
// COPY, then one UPDATE or DELETE per run of changes of one kind
// (pg_apply.h). A table this transaction creates is filled with COPY FREEZE
// and gets its indexes (and a primary key other than one integer column)
// after its rows, before it is read (docs/stores/postgresql.md). Destroying
// an uncommitted transaction rolls it back.
#pragma once

#include <memory>

#include "store/postgres/pg_conn.h"
#include "store/store.h"

namespace dbsync {

// REQUIRES: no other transaction of `conn` is open; `conn` outlives the result.
Result<std::unique_ptr<StoreTxn>> begin_pg_txn(PgConn& conn, TxnMode mode);

}  // namespace dbsync
