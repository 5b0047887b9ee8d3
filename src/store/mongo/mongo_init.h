// libmongoc's process-wide setup, done once: mongoc_init(), and a log
// handler that drops the driver's own log lines (they could show a URL or
// reach a terminal the user did not ask for; errors reach the user as
// values instead). Thread-safe.
#pragma once

namespace dbsync {

void init_mongoc();

}  // namespace dbsync
