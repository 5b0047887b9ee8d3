// Manual conflicts waiting for `dbsync resolve` (DESIGN §3 policy `manual`):
// one JSON file per record under
//   <repo>/.dbsync/conflicts/<collection>/<16 hex digits of XXH3-64(key)>.json
// (untracked local state). docs/MERGE.md gives the format. The shard holds
// the provisional record meanwhile; a file is current while the shard still
// holds exactly that provisional line (its hash and rev), so an entry left
// by a merge that was later redone or aborted is recognised as stale.
// Thread-compatible.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "json/value.h"
#include "merge/merge_types.h"
#include "util/error.h"

namespace dbsync {

inline constexpr const char* kConflictsDir = ".dbsync/conflicts";

// Writes (or replaces) one file per manual conflict of `collection`.
Status write_conflict_files(const std::filesystem::path& repo, const std::string& collection,
                            uint32_t shard_count, const std::vector<ManualConflict>& conflicts,
                            std::chrono::system_clock::time_point when = std::chrono::system_clock::now());

// The JSON of one conflict file.
json::Value conflict_file_json(const std::string& collection, uint32_t shard_count, const ManualConflict& c,
                               std::chrono::system_clock::time_point when);

struct StoredConflict {
  std::filesystem::path file;
  std::string collection;
  std::string path;      // "dbsync/<collection>/<shard>.jsonl"
  std::string key;       // key encoding
  json::Value content;   // the whole file
  bool current = false;  // the shard still holds the provisional line
};

// Every conflict file, sorted by collection then key; `current` checked
// against the shards in the working tree (keys from config or schema.json).
Result<std::vector<StoredConflict>> load_conflict_files(const std::filesystem::path& repo,
                                                        const Config& config);

}  // namespace dbsync
