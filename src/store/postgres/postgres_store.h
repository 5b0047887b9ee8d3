// The PostgreSQL store (DESIGN §5): "postgresql://…" or "postgres://…"
// connection URLs, opened through libpq.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "store/store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_postgres_store(std::string_view url, const std::filesystem::path& base_dir);

}  // namespace dbsync
