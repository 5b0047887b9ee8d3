// The SQLite store (DESIGN §5): "sqlite:path/to/file.db", the path relative
// to the sync repository. Reads run in one deferred transaction (a
// consistent view of every table); writes in one BEGIN IMMEDIATE
// transaction, which takes SQLite's write lock up front so the application
// cannot change rows between what dbsync reads and what it writes.
//
// Which tables sync: every ordinary table of the main schema with a PRIMARY
// KEY or a `key` in dbsync.toml and a plain name (snapshot/layout.h). Tables
// without either are skipped and reported (Catalog::skipped), never
// silently half-synced; views, virtual tables and their shadow tables are
// not data and are left out. The rowid is never a key.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "store/store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_sqlite_store(std::string_view url, const std::filesystem::path& base_dir);

// The file a "sqlite:" URL names, relative paths taken from `base_dir`.
Result<std::filesystem::path> sqlite_path_of(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace dbsync
