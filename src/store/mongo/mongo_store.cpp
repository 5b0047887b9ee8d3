// Placeholder until the MongoDB store lands (issue 6): the scheme is
// known, so the error says what is missing instead of "unknown scheme".
#include "store/mongo/mongo_store.h"

namespace dbsync {

Result<std::unique_ptr<Store>> open_mongo_store(std::string_view, const std::filesystem::path&) {
  return fail(ErrorCode::kUnavailable, "the MongoDB store is not in this build yet");
}

}  // namespace dbsync
