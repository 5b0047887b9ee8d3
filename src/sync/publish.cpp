#include "sync/publish.h"

#include <set>

#include "sync/durable.h"
#include "sync/matched_delta.h"
#include "sync/trash.h"
#include "util/file.h"

namespace dbsync {
namespace fs = std::filesystem;

Status publish_tree(const SnapshotLayout& tree, const LocalPaths& paths, const MatchedMeta& state,
                    const TreeDigests& current) {
  const TreeDigests& target = state.tree;
  fs::path gen_root = generation_root(paths, state.generation);
  fs::path delta_root = state.delta.empty() ? fs::path() : paths.matched_dir() / state.delta;
  for (const auto& [path, digest] : target) {
    auto it = current.find(path);
    if (it != current.end() && it->second == digest) continue;
    // A file the state changed is in its delta until the fold; one it kept
    // is in the generation.
    std::error_code ec;
    bool in_delta = !delta_root.empty() && fs::exists(delta_root / path, ec);
    auto bytes = read_file((in_delta ? delta_root : gen_root) / path);
    if (!bytes) return std::unexpected(bytes.error());
    if (auto st = write_file_atomic(tree.repo() / path, *bytes); !st) return st;
  }
  std::set<fs::path> dirs;
  for (const auto& [path, digest] : current) {
    if (target.count(path)) continue;
    if (auto st = remove_file_durable(tree.repo() / path); !st) return st;
    dirs.insert((tree.repo() / path).parent_path());
  }
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (fs::is_empty(dir, ec)) fs::remove(dir, ec);
  }
  return {};
}

Status commit_generation(const LocalPaths& paths, const MatchedMeta& meta) {
  if (auto st = save_matched_meta(paths, meta); !st) return st;
  if (auto st = fold_delta(paths, meta); !st) return st;
  if (auto st = remove_file_durable(paths.export_journal()); !st) return st;
  return retire_stale_generations(paths, meta.generation);
}

namespace {

// Staged files a killed export left beside the working-tree files: the
// journal's roll-forward copies from the matched state instead, and a
// dropped or rerun export stages anew, so none of them is needed.
Status remove_staged_files(const SnapshotLayout& tree) {
  auto names = tree.list_collections();
  if (!names) return std::unexpected(names.error());
  const std::string_view suffix = kStagedSuffix;
  for (const auto& name : *names) {
    auto files = list_files(tree.collection_dir(name));
    if (!files) return std::unexpected(files.error());
    for (const auto& f : *files) {
      if (f.size() > suffix.size() && f.ends_with(suffix)) {
        if (auto st = remove_file_durable(tree.collection_dir(name) / f); !st) return st;
      }
    }
  }
  return {};
}

}  // namespace

Status recover_interrupted_export(Replica& replica, std::vector<std::string>& notes) {
  if (auto st = finish_interrupted_fold(replica.paths, notes); !st) return st;
  if (auto st = remove_staged_files(replica.layout); !st) return st;
  auto pending = read_meta_file(replica.paths.export_journal());
  if (!pending) return std::unexpected(pending.error());
  if (!*pending) return {};
  auto meta = load_matched_meta(replica.paths);
  if (!meta) return std::unexpected(meta.error());
  auto now = digest_tree(replica.layout);
  if (!now) return std::unexpected(now.error());
  TreeDigests old = *meta ? (*meta)->tree : TreeDigests{};
  const TreeDigests& next = (*pending)->tree;
  // The files the journal's state needs must all be there: a first
  // generation whole, or a delta (fsync'd before the journal was written)
  // not folded yet, or already committed by matched.json (and folded above).
  std::error_code ec;
  bool consistent = fs::exists(generation_root(replica.paths, (*pending)->generation), ec);
  if (!(*pending)->delta.empty()) {
    bool committed = *meta && (*meta)->delta == (*pending)->delta;
    consistent = consistent && (committed || fold_pending(replica.paths, **pending));
  }
  std::set<std::string> paths;
  for (const TreeDigests* m : std::initializer_list<const TreeDigests*>{&*now, &old, &next}) {
    for (const auto& [p, d] : *m) paths.insert(p);
  }
  for (const auto& p : paths) {
    auto get = [&](const TreeDigests& m) {
      auto it = m.find(p);
      return it == m.end() ? std::string() : it->second;
    };
    std::string cur = get(*now);
    if (cur != get(old) && cur != get(next)) consistent = false;
  }
  if (!consistent) {
    notes.push_back("an interrupted export was dropped: the working tree changed after it");
    if (auto st = remove_file_durable(replica.paths.export_journal()); !st) return st;
    return remove_stale_generations(replica.paths, *meta ? (*meta)->generation : std::string());
  }
  if (auto st = publish_tree(replica.layout, replica.paths, **pending, *now); !st) return st;
  for (const auto& [path, digest] : next) (*pending)->stat[path] = file_stat(replica.repo / path);
  if (auto st = commit_generation(replica.paths, **pending); !st) return st;
  notes.push_back("finished an export that was interrupted");
  return {};
}

}  // namespace dbsync
