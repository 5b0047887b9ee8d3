#include "store/mongo/mongo_init.h"

#include <mongoc/mongoc.h>

#include <cstdlib>
#include <mutex>

namespace dbsync {
namespace {

void drop_log(mongoc_log_level_t, const char*, const char*, void*) {}

}  // namespace

void init_mongoc() {
  static std::once_flag once;
  std::call_once(once, [] {
    mongoc_log_set_handler(&drop_log, nullptr);
    mongoc_init();
    // mongoc_init() creates /dev/shm/mongoc-<pid> for the driver's counters;
    // only mongoc_cleanup() removes it. Without this every dbsync run against
    // MongoDB would leave one file behind.
    std::atexit(&mongoc_cleanup);
  });
}

}  // namespace dbsync
