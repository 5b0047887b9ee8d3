// dbsync init: makes a folder a sync repository (DESIGN §6). Creates what is
// missing and leaves what is there: a git repository, dbsync.toml,
// .gitattributes routing shard files to the merge driver, the driver in the
// repository's git config, .gitignore for .dbsync/, the replica's
// .dbsync/local.toml, and with `hooks` the git hooks. Re-running is safe: a
// second run changes nothing it already did, and never overwrites a hook
// that dbsync did not write.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace dbsync {

struct InitOptions {
  std::filesystem::path repo = ".";
  std::string db_url;   // written to .dbsync/local.toml when given
  std::string replica;  // replica id; empty keeps the current one or the host name
  bool hooks = false;
  std::string executable;  // the dbsync the driver and hooks call; empty: this process
};

struct InitResult {
  std::string replica;
  std::vector<std::string> done;      // what this run changed, one line each
  std::vector<std::string> warnings;  // e.g. a foreign hook left in place
};

Result<InitResult> run_init(const InitOptions& options);

// The path of the running executable (/proc/self/exe).
std::string current_executable();

// Quotes `s` for the POSIX shell git runs drivers and hooks through.
std::string shell_quote(const std::string& s);

// The line .gitattributes needs, and the hook names init installs.
inline constexpr const char* kAttributesLine = "dbsync/**/*.jsonl merge=dbsync -text";
inline constexpr const char* kHookMarker = "# installed by dbsync init --hooks";

}  // namespace dbsync
