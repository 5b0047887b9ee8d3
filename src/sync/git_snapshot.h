// A snapshot as committed in git history, copied out into a folder:
// `dbsync restore --at REV` rebuilds the database from it and `dbsync
// merge` takes the last synced commit's snapshot as its base. Paths come
// from git trees, which a remote controls, so collection names are checked
// before anything is written. Thread-compatible.
#pragma once

#include <filesystem>
#include <string>

#include "util/error.h"

namespace dbsync {

// Copies dbsync.toml and dbsync/<collection>/{schema.json,*.jsonl} as
// committed at `rev` into `dir`; returns the full commit hash. kUsage when
// `rev` names no commit or the commit holds no snapshot.
Result<std::string> checkout_snapshot(const std::filesystem::path& repo, const std::string& rev,
                                      const std::filesystem::path& dir);

}  // namespace dbsync
