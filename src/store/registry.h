// Opens a Store from a database URL (DESIGN §5) through one table of URL
// schemes, one factory per store: "sqlite:path", "postgresql://…" (also
// "postgres://…"), "mongodb://…" (also "mongodb+srv://…"). Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace dbsync {

// Relative paths in a URL (sqlite:bot.db) are taken from `base_dir`, the
// sync repository.
using StoreFactory = Result<std::unique_ptr<Store>> (*)(std::string_view url,
                                                        const std::filesystem::path& base_dir);

struct StoreScheme {
  const char* prefix;  // "sqlite:"
  StoreFactory open;
};

// The schemes this build knows, in match order.
const std::vector<StoreScheme>& store_schemes();

// kUsage for an empty URL or an unknown scheme; the store's error otherwise.
Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace dbsync
