// Where a snapshot's files live inside a sync repository (DESIGN §2):
//   <repo>/dbsync.toml
//   <repo>/dbsync/<collection>/schema.json
//   <repo>/dbsync/<collection>/<shard>.jsonl
// Collection names come from remote snapshots and are untrusted, so every
// path is built through here and every name checked. Thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace dbsync {

inline constexpr const char* kSnapshotDirName = "dbsync";
inline constexpr const char* kSchemaFileName = "schema.json";

// A plain name: 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-', so
// no "..", no '/', no quotes, no NUL, no hidden or option-like names.
bool is_plain_collection_name(std::string_view name);
Status check_collection_name(std::string_view name);

class SnapshotLayout {
 public:
  explicit SnapshotLayout(std::filesystem::path repo) : repo_(std::move(repo)) {}

  const std::filesystem::path& repo() const { return repo_; }
  std::filesystem::path snapshot_dir() const { return repo_ / kSnapshotDirName; }
  // REQUIRES: is_plain_collection_name(name).
  std::filesystem::path collection_dir(const std::string& name) const { return snapshot_dir() / name; }
  std::filesystem::path schema_path(const std::string& name) const {
    return collection_dir(name) / kSchemaFileName;
  }
  std::filesystem::path shard_path(const std::string& name, uint32_t shard, uint32_t shard_count) const;
  // "dbsync/<name>/<shard>.jsonl": how errors and reports name a shard.
  std::string shard_label(const std::string& name, uint32_t shard, uint32_t shard_count) const;

  // Collections present in the snapshot, sorted by bytes; fails on a folder
  // whose name is not plain.
  Result<std::vector<std::string>> list_collections() const;

 private:
  std::filesystem::path repo_;
};

}  // namespace dbsync
