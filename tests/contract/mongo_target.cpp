// The MongoDB contract targets.
//
// "mongodb_wire" runs the suite against tests/e2e/mongo_wire/mock_mongod.py,
// the scripted wire-protocol server the wire tests use (one per test
// process, a database per test): it needs only python3-mockupdb, so it runs
// in CI, but it is a model of MongoDB, not MongoDB.
//
// "mongodb" runs when DBSYNC_TEST_MONGODB_URL names a
// server (e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0); each test gets a
// fresh database "dbsync_c_<time>_<pid>_<n>" on it (the URL's own database,
// if any, is replaced). The databases are left behind for inspection; drop
// them with the server's shell. docs/stores/mongodb.md §7 says how to run a
// server for it.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>

#include "contract/store_targets.h"
#include "e2e/mongo_wire/mock_mongod.h"
#include "store/registry.h"
#include "test_support/temp_dir.h"

namespace dbsync::contract {
namespace {

std::string with_database(const std::string& url, const std::string& db) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path = url.find('/', start);
  size_t query = url.find('?', start);
  std::string host = url.substr(0, std::min(path, query));
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return host + "/" + db + rest;
}

std::string fresh_database() {
  static std::atomic<int> counter{0};
  static const long started = static_cast<long>(std::time(nullptr));
  return "dbsync_c_" + std::to_string(started) + "_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++);
}

// One mock server for the whole test process, stopped when it exits.
const testing::MockMongod& shared_mock() {
  static TempDir dir;
  static testing::MockMongod mock(dir.path(), {});
  return mock;
}

}  // namespace

std::vector<StoreTarget> mongo_targets() {
  StoreTarget wire;
  wire.name = "mongodb_wire";
  wire.unavailable = []() -> std::optional<std::string> {
    if (!testing::have_mockupdb())
      return std::string("python3-mockupdb is not installed (scripts/install-deps.sh)");
    if (shared_mock().port() == 0) return std::string("tests/e2e/mongo_wire/mock_mongod.py did not start");
    return std::nullopt;
  };
  wire.open = [](const std::filesystem::path& dir) -> Result<std::unique_ptr<Store>> {
    return open_store(shared_mock().url("", fresh_database()), dir);
  };
  wire.missing_reads_as_null = false;

  StoreTarget t;
  t.name = "mongodb";
  t.unavailable = []() -> std::optional<std::string> {
    const char* url = std::getenv("DBSYNC_TEST_MONGODB_URL");
    if (url == nullptr || *url == '\0')
      return std::string("DBSYNC_TEST_MONGODB_URL is not set (no MongoDB server; docs/stores/mongodb.md)");
    return std::nullopt;
  };
  t.open = [](const std::filesystem::path& dir) -> Result<std::unique_ptr<Store>> {
    return open_store(with_database(std::getenv("DBSYNC_TEST_MONGODB_URL"), fresh_database()), dir);
  };
  t.missing_reads_as_null = false;
  return {wire, t};
}

}  // namespace dbsync::contract
