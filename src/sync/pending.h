// Whether the working tree's snapshot holds records the database has not
// taken in yet (a pull, a merge or a hand edit changed it since the last
// export or import). DESIGN §4: such a replica imports before it exports,
// so a stale database never overwrites newer data.
#pragma once

#include "sync/replica.h"
#include "util/error.h"

namespace dbsync {

Result<bool> working_tree_ahead(const Replica& replica);

}  // namespace dbsync
