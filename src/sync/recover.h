// Recovery of an import (or restore) that a crash interrupted after it wrote
// its journal (sync/journal.h): finds out from the backup's after-hashes
// whether its transaction committed, records that in the backup's manifest
// ("applied" / "not-applied") and removes the journal. The caller then runs
// normally: an import is idempotent per record, so it converges.
// Callers hold the replica lock.
#pragma once

#include <string>
#include <vector>

#include "sync/replica.h"

namespace dbsync {

Status recover_interrupted_import(Replica& replica, std::vector<std::string>& notes);

}  // namespace dbsync
