// Placeholder until the PostgreSQL store lands (issue 6): the scheme is
// known, so the error says what is missing instead of "unknown scheme".
#include "store/postgres/postgres_store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_postgres_store(std::string_view, const std::filesystem::path&) {
  return fail(ErrorCode::kUnavailable, "the PostgreSQL store is not in this build yet");
}

}  // namespace dbsync
