// dbsync demo (DESIGN §8): in a temp folder, a bare git remote and two
// SQLite replicas ("asset1", "asset2") of a trading bot's profit-and-loss
// database, driven through the real dbsync executable exactly as a user
// would, through the three scenarios:
//   1. asset1 grows from 190 to 195 records and syncs; asset2 syncs: both 195.
//   2. both start at 190; asset1 adds 3, asset2 adds 2; both sync: both 195.
//   3. both change the same trader's profit differently; after syncing both
//      hold the newer value and the report lists the conflict.
// Each scenario starts from a fresh pair of replicas. The demo checks its own
// claims (counts, equal root hashes, the chosen value) and fails (kConflict)
// when one does not hold.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "util/error.h"

namespace dbsync {

struct DemoOptions {
  std::filesystem::path dir;                      // empty: a new folder under the system temp dir
  bool keep = false;                              // keep the folder afterwards
  std::string executable;                         // the dbsync to run; empty: this process
  std::function<void(const std::string&)> print;  // receives the demo's narration
};

struct DemoResult {
  std::filesystem::path dir;
  int scenarios_passed = 0;
};

Result<DemoResult> run_demo(const DemoOptions& options);

}  // namespace dbsync
