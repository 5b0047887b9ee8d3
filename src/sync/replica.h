// Opening a replica: the sync repository's dbsync.toml, the local settings
// in .dbsync/local.toml, and the database, chosen by the --db flag, else
// local.toml's `database`, else dbsync.toml's `database` (a relative
// sqlite: path is taken from the repository folder). Every command of
// src/sync starts here. Move-only value; not thread-safe.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "snapshot/layout.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/local_state.h"
#include "sync/trash.h"

namespace dbsync {

// Called with (done, total) as a long step advances; may be empty.
using StepProgress = std::function<void(uint64_t done, uint64_t total)>;

struct ReplicaOptions {
  std::filesystem::path repo = ".";
  std::string db_url;           // --db; empty: local.toml, then dbsync.toml
  StepProgress progress;        // drawn by the CLI on a terminal
  HybridClock::WallClock wall;  // tests pin the wall clock; empty: the system clock
};

struct Replica {
  std::filesystem::path repo;
  LocalPaths paths;
  SnapshotLayout layout;
  Config config;
  LocalConfig local;
  std::string db_url;
  std::unique_ptr<Store> store;
  ReplicaOptions options;
  // Deletes the generations the last command retired, beside this one's
  // work; declared last, so it is waited for before anything else goes.
  std::unique_ptr<TrashSweeper> trash = std::make_unique<TrashSweeper>();
};

// kUsage when dbsync.toml or local.toml is malformed or no database is named.
Result<Replica> open_replica(const ReplicaOptions& options);

}  // namespace dbsync
