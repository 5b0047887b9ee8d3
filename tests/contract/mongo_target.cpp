// The mongo contract target: none until the store lands (issue 6).
#include "contract/store_targets.h"

namespace dbsync::contract {

std::vector<StoreTarget> mongo_targets() { return {}; }

}  // namespace dbsync::contract
