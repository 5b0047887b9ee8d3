#include "sync/stats.h"

#include <map>

#include "snapshot/verify.h"

namespace dbsync {

Result<ReplicaStats> replica_stats(const ReplicaOptions& options) {
  ReplicaStats out;
  auto status = replica_status(options);
  if (!status) return std::unexpected(status.error());
  auto replica = open_replica(options);
  if (!replica) return std::unexpected(replica.error());
  auto summary = verify_snapshot(replica->layout, replica->config);
  if (!summary) return std::unexpected(summary.error());
  auto backups = list_backups(replica->paths);
  if (!backups) return std::unexpected(backups.error());

  std::map<std::string, CollectionStats> by_name;
  for (const auto& c : status->collections) {
    CollectionStats& s = by_name[c.name];
    s.name = c.name;
    s.db_records = c.records;
    s.added = c.added;
    s.changed = c.changed;
    s.deleted = c.deleted;
  }
  for (const auto& c : summary->collections) {
    CollectionStats& s = by_name[c.name];
    s.name = c.name;
    s.snapshot_records = c.records;
    s.snapshot_bytes = c.bytes;
    s.shards = c.shard_count;
    s.snapshot_digest = to_hex(c.digest);
  }
  for (auto& [name, s] : by_name) {
    out.db_records += s.db_records;
    out.snapshot_records += s.snapshot_records;
    out.snapshot_bytes += s.snapshot_bytes;
    out.collections.push_back(std::move(s));
  }
  out.snapshot_root = to_hex(summary->root);
  out.db_root = to_hex(status->db_root);
  out.backups = std::move(*backups);
  out.status = std::move(*status);
  return out;
}

}  // namespace dbsync
