// The second half of an import or restore: given the changes decided inside
// an open write transaction, write the backup (fsync'd) and the journal,
// apply every change, verify each touched record by reading it back, and
// commit — or fail with the transaction still open, so the caller's
// rollback (destroying it) leaves the database as it was.
//
// Verification reads back every record the plan touched, inside the
// transaction: a deleted record must be gone, a written one must read back
// as the snapshot's document or as the store's normalised form of it
// (StoreTxn::preview). A collection that was empty is read back in one scan
// instead of one lookup per key: its record count and the multiset hash of
// its documents must equal those of the documents written (anything else,
// such as a normalised value, falls back to the lookups). It also compares the content digest of the touched
// records, as the snapshot gives them, with the digest of what the
// database now holds. Records the plan did not touch are, by construction,
// as the matched state says or changed by the application (docs/REPLICA.md).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "sync/huge_vector.h"
#include "sync/replica.h"

namespace dbsync {

// One record to write. The views point into memory the caller keeps until
// apply_with_backup returns (the import plan, a restore's documents, or
// ApplyCollection::memory): a bulk import holds a million of these, so they
// stay small and own nothing but the rare normalised form.
struct ApplyRecord {
  std::string_view key;
  Change::Op op = Change::Op::kInsert;
  std::optional<std::string_view> before;  // the database's document before
  std::string_view after_doc;              // canonical document to write (insert/update)
  std::string_view rev;                    // its rev in the snapshot
  // Set by apply: what the database holds when it normalised after_doc.
  std::unique_ptr<std::string> stored;
};

struct ApplyCollection {
  ApplyCollection() = default;
  // std::deque's move may allocate, so it is not noexcept; without this a
  // vector of collections would copy them when it grows, and records do
  // not copy. Moving a deque keeps its elements where they are.
  ApplyCollection(ApplyCollection&&) noexcept = default;
  ApplyCollection& operator=(ApplyCollection&&) noexcept = default;

  CollectionInfo info;
  HugeVector<ApplyRecord> records;
  // The caller found the collection empty inside this write transaction
  // (StoreTxn::empty): every record is an insert, and afterwards the
  // collection holds exactly these records, so one scan verifies them all.
  bool was_empty = false;
  // Documents read from the database for `before` (a deque: its elements
  // never move, so views into them stay valid as it grows).
  std::deque<std::string> memory;
};

struct ApplyResult {
  std::string backup_id;
  uint64_t normalized = 0;
  std::vector<std::string> warnings;
};

// REQUIRES: `txn` is a write transaction; records of each collection sorted by key.
// `op` is "import" or "restore" (recorded in the backup and journal). On
// success the journal is left in place for the caller to remove once its
// own follow-up (the new matched state) is done. On failure before the
// commit, the journal and the backup of changes that never happened are
// removed (best effort) and the caller rolls back by destroying `txn`.
// `before_commit` runs last inside the transaction (import uses it for the
// store's change log).
Result<ApplyResult> apply_with_backup(Replica& replica, StoreTxn& txn,
                                      std::vector<ApplyCollection>& collections, const std::string& op,
                                      const std::function<Status()>& before_commit = {});

}  // namespace dbsync
