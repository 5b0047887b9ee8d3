// The MongoDB store (DESIGN §5, docs/stores/mongodb.md): "mongodb://…" or
// "mongodb+srv://…" connection URLs naming the database, opened through
// libmongoc. Documents cross as the dbsync form of Extended JSON v2
// (bson_json.h); transactions as mongo_txn.h says. A standalone server's
// undo log lives in `base_dir`/.dbsync/ (the replica's local state) and is
// rolled back, if an earlier run left one, before any transaction begins.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "store/store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_mongo_store(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace dbsync
