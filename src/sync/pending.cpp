#include "sync/pending.h"

#include "sync/matched.h"

namespace dbsync {

Result<bool> working_tree_ahead(const Replica& replica) {
  auto meta = load_matched_meta(replica.paths);
  if (!meta) return std::unexpected(meta.error());
  // Files whose stat matches the recorded one are not read again.
  auto tree = digest_tree(replica.layout, *meta ? &**meta : nullptr);
  if (!tree) return std::unexpected(tree.error());
  if (!*meta) return !tree->empty();
  return !tree_differences((*meta)->tree, *tree).empty();
}

}  // namespace dbsync
