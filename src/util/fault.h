// Fault injection for the crash-safety tests (DESIGN §10). Every durable step
// (write, fsync, rename, SQL statement) calls fault::check(op) first; a test
// arms the injector to make the k-th such step fail, and asserts the store is
// left in the old or the new state. Disarmed (the default) it costs one
// relaxed atomic load. Thread-safe.
#pragma once

#include <string_view>

#include "util/error.h"

namespace dbsync::fault {

enum class Op { kWrite, kFsync, kRename, kSql };

// Returns an error when the armed countdown reaches zero at this step.
Status check(Op op, std::string_view what);

// Makes the k-th (1-based) checked step from now fail; 0 disarms.
void arm(long k);
// Steps checked since the last arm() (or process start): lets a test learn
// how many steps an operation takes, then try each of them.
long steps_seen();

}  // namespace dbsync::fault
