// dbsync.toml: the configuration every replica shares (it is tracked in
// git). Per-collection settings fall back to [defaults]. Loading validates
// everything and names file, line and key on error (kUsage). Value types;
// thread-safe once built.
//
//   version = 1
//   [defaults]
//   policy = "newer"            # newer | more-complete | manual
//   on_delete_conflict = "keep" # keep | delete
//   shards = 1                  # power of two, 1..4096
//   [collections.pnl_data]
//   key = ["user_id", "timestamp"]
//   shards = 256
//   timestamp_field = "updated_at"
//   preserve = ["profit_usd"]
//   unique = [["user_id", "ticker", "timestamp"]]
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"

namespace dbsync {

enum class ConflictPolicy { kNewer, kMoreComplete, kManual };
enum class DeleteConflict { kKeep, kDelete };

const char* policy_name(ConflictPolicy p);
const char* delete_conflict_name(DeleteConflict d);

struct CollectionConfig {
  std::vector<std::string> key;  // empty: the store's primary key / "_id"
  uint32_t shards = 1;
  ConflictPolicy policy = ConflictPolicy::kNewer;
  std::string timestamp_field;  // empty: none
  std::vector<std::string> preserve;
  DeleteConflict on_delete_conflict = DeleteConflict::kKeep;
  std::vector<std::vector<std::string>> unique;
};

// How export finds what the application changed (docs/CONFIG.md): by
// reading every record (kOff), or from a log the store keeps with triggers
// (kTriggers; SQLite), falling back to reading everything when the log
// cannot be trusted.
enum class ChangeTracking { kOff, kTriggers };

struct Config {
  int version = 1;
  std::string database;  // default database URL; a replica may override it locally
  ChangeTracking change_tracking = ChangeTracking::kOff;
  CollectionConfig defaults;
  std::map<std::string, CollectionConfig> collections;  // fully resolved (defaults applied)

  // The settings of a collection: its own section, else the defaults.
  const CollectionConfig& collection(const std::string& name) const;
};

inline constexpr const char* kConfigFileName = "dbsync.toml";

// Parses TOML text; `file` names the source in errors.
Result<Config> parse_config(std::string_view text, const std::string& file);
// Loads <repo>/dbsync.toml; a missing file gives the defaults.
Result<Config> load_config(const std::filesystem::path& repo);
// The TOML text for a config (what `dbsync init` writes).
std::string render_config(const Config& config);

}  // namespace dbsync
