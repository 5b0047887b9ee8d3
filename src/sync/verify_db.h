// Checks that the database holds exactly the working tree's snapshot
// (DESIGN §4, `dbsync verify`): the snapshot is read and validated as
// snapshot/verify.h does, the database is scanned, and the two are
// compared record by record by content hash, giving both root hashes and,
// per collection, the records missing from the database, extra in it, or
// different. Read-only, no lock. Records the application changed since the
// last export count as differences: that is what the check is for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/replica.h"
#include "util/hash.h"

namespace dbsync {

struct CollectionCheck {
  std::string name;
  uint64_t db_records = 0, snapshot_records = 0;
  uint64_t missing = 0;             // in the snapshot, not in the database
  uint64_t extra = 0;               // in the database, not in the snapshot
  uint64_t differing = 0;           // in both with different content
  std::vector<std::string> sample;  // up to 10 keys that differ, with what is wrong
  bool match() const { return missing + extra + differing == 0; }
};

struct DatabaseCheck {
  bool match = true;
  Digest128 db_root{}, snapshot_root{};
  uint64_t db_records = 0, snapshot_records = 0;
  std::vector<CollectionCheck> collections;  // sorted by name
};

// Compares; a mismatch is a result, not an error.
Result<DatabaseCheck> check_database(const ReplicaOptions& options);

// The same, but a mismatch is an Error with ErrorCode::kConflict (exit 1)
// naming the first differing collection and keys.
Result<DatabaseCheck> verify_database(const ReplicaOptions& options);

}  // namespace dbsync
