// Retired matched-state folders (sync/trash.h): a commit renames folders
// that are not the live generation (left by a crash, or by an older dbsync
// that rebuilt the generation) into the trash instead of deleting them on
// the spot, and the next command deletes them beside its own work.
#include <gtest/gtest.h>

#include <fstream>

#include "sync/export.h"
#include "sync/import.h"
#include "sync/matched.h"
#include "sync/replica.h"
#include "unit/sync_test_util.h"

namespace dbsync {
namespace {

using testing::TestReplica;

std::vector<std::string> matched_folders(const TestReplica& r) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(r.repo / ".dbsync" / "matched")) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SyncTrash, ALeftoverFolderIsRetiredByTheCommitAndDeletedByTheNextCommand) {
  TempDir dir;
  TestReplica a(dir.path() / "a", "a");
  a.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y');");
  ASSERT_TRUE(run_export(a.options()).has_value());
  auto first = load_matched_meta(LocalPaths(a.repo));
  ASSERT_TRUE(first.has_value() && first->has_value());
  const std::string generation = (*first)->generation;
  // What an export killed before its commit leaves: a delta folder no
  // matched.json names.
  const std::string leftover = "000042";
  std::filesystem::create_directories(a.repo / ".dbsync/matched" / leftover / "dbsync/t");
  std::ofstream(a.repo / ".dbsync/matched" / leftover / "dbsync/t/00.jsonl") << "half a line";

  a.sql("UPDATE t SET v = 'z' WHERE id = 1");
  auto res = run_export(a.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  auto second = load_matched_meta(LocalPaths(a.repo));
  ASSERT_TRUE(second.has_value() && second->has_value());
  // The change was folded into the live generation, which keeps its name.
  EXPECT_EQ((*second)->generation, generation);
  // The commit renamed the leftover, so it can never be mistaken for a
  // delta or picked again as a new folder's name.
  // The fold moved the shard file it replaced into a trash folder of its
  // own.
  auto after_commit = matched_folders(a);
  ASSERT_EQ(after_commit.size(), 3u);
  EXPECT_EQ(after_commit[0], generation);
  EXPECT_TRUE(after_commit[1].starts_with("trash-" + leftover + "-")) << after_commit[1];
  EXPECT_TRUE(after_commit[2].starts_with("trash-fold-")) << after_commit[2];

  // Any command that opens the replica deletes what was in the trash when
  // it started.
  a.sql("UPDATE t SET v = 'w' WHERE id = 2");
  {
    auto replica = open_replica(a.options());
    ASSERT_TRUE(replica.has_value()) << replica.error().message;
    auto exported = export_replica(*replica);
    ASSERT_TRUE(exported.has_value()) << exported.error().message;
  }
  // What is left is the trash of this command's own fold.
  auto after_next = matched_folders(a);
  ASSERT_EQ(after_next.size(), 2u);
  EXPECT_EQ(after_next[0], generation);
  EXPECT_TRUE(after_next[1].starts_with("trash-fold-")) << after_next[1];
  EXPECT_NE(after_next[1], after_commit[2]);

  // The replica still works from its matched state: nothing to export.
  auto again = run_export(a.options());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(again->changed_any());
}

}  // namespace
}  // namespace dbsync
