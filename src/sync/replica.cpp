#include "sync/replica.h"

#include "store/registry.h"

namespace dbsync {

Result<Replica> open_replica(const ReplicaOptions& options) {
  auto config = load_config(options.repo);
  if (!config) return std::unexpected(config.error());
  auto local = load_local_config(options.repo);
  if (!local) return std::unexpected(local.error());
  std::string url = !options.db_url.empty()    ? options.db_url
                    : !local->database.empty() ? local->database
                                               : config->database;
  auto store = open_store(url, options.repo);
  if (!store) return std::unexpected(store.error());
  Replica replica{options.repo,
                  LocalPaths(options.repo),
                  SnapshotLayout(options.repo),
                  std::move(*config),
                  std::move(*local),
                  url,
                  std::move(*store),
                  options};
  replica.trash->start(replica.paths);
  return replica;
}

}  // namespace dbsync
