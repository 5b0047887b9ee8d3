// A replica's local, untracked state under <repo>/.dbsync/ (docs/REPLICA.md):
//   local.toml    replica id and database URL override
//   clock         HLC state (sync/clock.h)
//   matched.json  + matched/<generation>/  the snapshot as of the last
//                 export or import (sync/matched.h)
//   lock          flock'd so one dbsync process per replica (sync/lock.h)
//   backups/<id>/ before-images of each import (sync/backup.h)
//   journal       written before an import's transaction, removed after
//   export-journal written while an export updates the working tree
//   reports/      import reports
// Paths are plain values; LocalConfig loading validates (kUsage).
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace dbsync {

inline constexpr const char* kLocalDirName = ".dbsync";

struct LocalPaths {
  std::filesystem::path root;  // <repo>/.dbsync
  explicit LocalPaths(const std::filesystem::path& repo) : root(repo / kLocalDirName) {}
  std::filesystem::path local_toml() const { return root / "local.toml"; }
  std::filesystem::path clock() const { return root / "clock"; }
  std::filesystem::path matched_json() const { return root / "matched.json"; }
  std::filesystem::path matched_dir() const { return root / "matched"; }
  std::filesystem::path lock() const { return root / "lock"; }
  std::filesystem::path backups() const { return root / "backups"; }
  std::filesystem::path journal() const { return root / "journal"; }
  std::filesystem::path export_journal() const { return root / "export-journal"; }
  std::filesystem::path reports() const { return root / "reports"; }
};

struct LocalConfig {
  std::string replica;   // [A-Za-z0-9._-]{1,64}
  std::string database;  // URL override, may be empty
};

// The host name with every character outside [A-Za-z0-9._-] replaced by
// '-', cut to 64; "replica" if that leaves nothing.
std::string default_replica_id();

// Reads .dbsync/local.toml; a missing file or key gives the defaults.
Result<LocalConfig> load_local_config(const std::filesystem::path& repo);
// Writes .dbsync/local.toml atomically.
Status save_local_config(const std::filesystem::path& repo, const LocalConfig& config);

}  // namespace dbsync
