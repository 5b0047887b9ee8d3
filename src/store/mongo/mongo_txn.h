// The MongoDB store's transaction (store/store.h StoreTxn).
//
// On a replica set or mongos: a client session; reads use snapshot read
// concern, and a write transaction is one multi-document transaction,
// aborted when destroyed uncommitted. On a standalone server: no session
// transaction; writes go out in ordered bulk writes after their before- and
// after-images are in the UndoLog, which rolls them back when the
// transaction is destroyed uncommitted (or on the next open after a crash).
//
// Either way every update and delete is conditional on the document still
// being exactly the before-image this transaction read (lookup), and an
// insert fails when the key exists: a document the application changed
// since is never overwritten; the batch fails with kConflict instead.
#pragma once

#include <filesystem>
#include <memory>

#include "store/mongo/mongo_conn.h"
#include "store/store.h"

namespace dbsync {

// REQUIRES: `conn` outlives the result; one transaction at a time.
// `undo_file`: where a standalone write transaction keeps its undo log.
Result<std::unique_ptr<StoreTxn>> begin_mongo_txn(MongoConn& conn, TxnMode mode,
                                                  const std::filesystem::path& undo_file);

}  // namespace dbsync
