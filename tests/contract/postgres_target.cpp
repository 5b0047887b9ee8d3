// The postgres contract target: none until the store lands (issue 6).
#include "contract/store_targets.h"

namespace dbsync::contract {

std::vector<StoreTarget> postgres_targets() { return {}; }

}  // namespace dbsync::contract
