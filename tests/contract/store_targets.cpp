#include "contract/store_targets.h"

#include "store/registry.h"

namespace dbsync::contract {

std::vector<StoreTarget> store_targets() {
  std::vector<StoreTarget> out;
  out.push_back({"sqlite", [] { return std::optional<std::string>(); },
                 [](const std::filesystem::path& dir) {
                   return open_store("sqlite:" + (dir / "db.sqlite").string(), dir);
                 },
                 true});
  return out;
}

}  // namespace dbsync::contract
