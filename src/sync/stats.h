// dbsync stats: per collection, records in the database and in the
// snapshot, shard count, snapshot size and digest, and changes pending
// export; for the replica, the last export or import (time, commit), the
// backups kept, and the root hashes of the database and of the snapshot.
// Validates the snapshot on the way (a damaged one is kBadInput).
// Read-only, no lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/backup.h"
#include "sync/status.h"

namespace dbsync {

struct CollectionStats {
  std::string name;
  uint64_t db_records = 0, snapshot_records = 0, snapshot_bytes = 0;
  uint32_t shards = 1;
  std::string snapshot_digest;
  uint64_t added = 0, changed = 0, deleted = 0;  // pending export
};

struct ReplicaStats {
  ReplicaStatus status;
  std::vector<CollectionStats> collections;
  uint64_t db_records = 0, snapshot_records = 0, snapshot_bytes = 0;
  std::string snapshot_root, db_root;
  std::vector<BackupManifest> backups;  // oldest first
};

Result<ReplicaStats> replica_stats(const ReplicaOptions& options);

}  // namespace dbsync
