#include "sync/verify_db.h"

#include <set>

#include "snapshot/content_digest.h"
#include "snapshot/key.h"
#include "snapshot/shard_reader.h"
#include "snapshot/verify.h"
#include "sync/db_scan.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

void note(CollectionCheck& c, std::string_view key, const char* what) {
  if (c.sample.size() < 10) c.sample.push_back(std::string(key) + " " + what);
}

}  // namespace

Result<DatabaseCheck> check_database(const ReplicaOptions& options) {
  auto replica = open_replica(options);
  if (!replica) return std::unexpected(replica.error());
  // Validates every line first: a damaged snapshot is bad input, not a mismatch.
  auto summary = verify_snapshot(replica->layout, replica->config);
  if (!summary) return std::unexpected(summary.error());
  auto scan = scan_database(*replica);
  if (!scan) return std::unexpected(scan.error());

  DatabaseCheck out;
  ContentDigest db_digest;
  std::set<std::string> names;
  for (const auto& c : summary->collections) names.insert(c.name);
  for (const auto& c : scan->collections) names.insert(c.info.name);
  for (const auto& name : names) {
    CollectionCheck cc;
    cc.name = name;
    const CollectionScan* db = scan->find(name);
    const CollectionSummary* snap = nullptr;
    for (const auto& c : summary->collections) {
      if (c.name == name) snap = &c;
    }
    if (db) {
      db_digest.touch(name);
      for (uint32_t s = 0; s < db->shard_count; ++s) {
        for (size_t i = 0; i < db->shards[s].size(); ++i)
          db_digest.add(name, s, xxh3_128(db->shards[s].doc(i)));
      }
      cc.db_records = db->records;
    }
    if (snap) cc.snapshot_records = snap->records;
    if (!db) {
      cc.missing = cc.snapshot_records;
      note(cc, "(table)", "is not in the database");
    } else if (!snap) {
      cc.extra = cc.db_records;
      note(cc, "(table)", "is not in the snapshot");
    } else {
      if (db->info.key() != snap->key) {
        return fail(ErrorCode::kUsage,
                    "table '" + name + "' is keyed differently in the database and the snapshot",
                    "set the same `key` for '" + name + "' in dbsync.toml");
      }
      for (uint32_t s = 0; s < db->shard_count; ++s) {
        ShardSpec spec{snap->key, s, db->shard_count};
        auto reader = ShardReader::open(replica->layout.shard_path(name, s, db->shard_count),
                                        replica->layout.shard_label(name, s, db->shard_count), spec);
        if (!reader) return std::unexpected(reader.error());
        const RecordArena& arena = db->shards[s];
        size_t i = 0;
        for (;;) {
          auto more = reader->next();
          if (!more) return std::unexpected(more.error());
          if (!*more) break;
          const ShardRecord& rec = reader->current();
          while (i < arena.size() && arena.key(i) < rec.key)
            note(cc, arena.key(i++), "is only in the database"), ++cc.extra;
          if (i < arena.size() && arena.key(i) == rec.key) {
            if (to_hex(xxh3_128(arena.doc(i))) != rec.parts.hash) {
              ++cc.differing;
              note(cc, rec.key, "differs");
            }
            ++i;
          } else {
            ++cc.missing;
            note(cc, rec.key, "is missing from the database");
          }
        }
        while (i < arena.size()) note(cc, arena.key(i++), "is only in the database"), ++cc.extra;
      }
    }
    out.db_records += cc.db_records;
    out.snapshot_records += cc.snapshot_records;
    if (!cc.match()) out.match = false;
    out.collections.push_back(std::move(cc));
  }
  out.db_root = db_digest.root();
  out.snapshot_root = summary->root;
  if (out.match && out.db_root != out.snapshot_root) out.match = false;  // cannot happen if the above holds
  return out;
}

Result<DatabaseCheck> verify_database(const ReplicaOptions& options) {
  auto check = check_database(options);
  if (!check || check->match) return check;
  for (const auto& c : check->collections) {
    if (c.match()) continue;
    std::string first = c.sample.empty() ? std::string() : ": " + c.sample.front();
    return fail(ErrorCode::kConflict,
                "the database differs from the snapshot in '" + c.name + "' (" + std::to_string(c.missing) +
                    " missing, " + std::to_string(c.extra) + " extra, " + std::to_string(c.differing) +
                    " different records" + first + ")",
                "'dbsync status' shows local changes to export; 'dbsync import' applies the snapshot");
  }
  return fail(ErrorCode::kConflict, "the database's root hash differs from the snapshot's");
}

}  // namespace dbsync
