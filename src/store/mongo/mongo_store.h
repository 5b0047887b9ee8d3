// The MongoDB store (DESIGN §5): "mongodb://…" or "mongodb+srv://…"
// connection URLs, opened through libmongoc.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "store/store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_mongo_store(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace dbsync
