// The postgres contract target: a fresh, empty database on the server that
// DBSYNC_TEST_POSTGRES_URL names (scripts/postgres-test-server.sh starts
// one; scripts/test.sh does it for ctest), one per test.
#include <unistd.h>

#include <atomic>

#include "contract/postgres_support.h"
#include "contract/store_targets.h"
#include "store/registry.h"

namespace dbsync::contract {

std::vector<StoreTarget> postgres_targets() {
  StoreTarget t;
  t.name = "postgres";
  t.unavailable = []() -> std::optional<std::string> {
    if (postgres_test_url().empty())
      return "DBSYNC_TEST_POSTGRES_URL is not set (start a server with scripts/postgres-test-server.sh "
             "start)";
    return std::nullopt;
  };
  t.open = [](const std::filesystem::path& dir) -> Result<std::unique_ptr<Store>> {
    auto url = fresh_postgres_database();
    if (!url) return std::unexpected(url.error());
    return open_store(*url, dir);
  };
  t.missing_reads_as_null = true;
  return {t};
}

}  // namespace dbsync::contract
