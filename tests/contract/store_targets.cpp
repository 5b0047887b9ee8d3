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
  for (auto& target : postgres_targets()) out.push_back(std::move(target));
  for (auto& target : mongo_targets()) out.push_back(std::move(target));
  return out;
}

}  // namespace dbsync::contract
