// Retired matched-state generations (sync/trash.h): a commit renames the
// old generation into the trash instead of deleting it on the spot, and the
// next command deletes it beside its own work.
#include <gtest/gtest.h>

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

TEST(SyncTrash, TheOldGenerationIsRetiredByTheCommitAndDeletedByTheNextCommand) {
  TempDir dir;
  TestReplica a(dir.path() / "a", "a");
  a.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y');");
  ASSERT_TRUE(run_export(a.options()).has_value());
  auto first = load_matched_meta(LocalPaths(a.repo));
  ASSERT_TRUE(first.has_value() && first->has_value());
  const std::string old_generation = (*first)->generation;

  a.sql("UPDATE t SET v = 'z' WHERE id = 1");
  auto res = run_export(a.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  auto second = load_matched_meta(LocalPaths(a.repo));
  ASSERT_TRUE(second.has_value() && second->has_value());
  const std::string current = (*second)->generation;
  ASSERT_NE(current, old_generation);
  // The commit renamed the old generation, so it can never be mistaken for
  // the matched state or picked again as a new generation's name.
  auto after_commit = matched_folders(a);
  ASSERT_EQ(after_commit.size(), 2u);
  EXPECT_EQ(after_commit[0], current);
  EXPECT_TRUE(after_commit[1].starts_with("trash-" + old_generation + "-")) << after_commit[1];

  // Any command that opens the replica deletes what was in the trash when
  // it started; its own retired generation waits for the next one.
  a.sql("UPDATE t SET v = 'w' WHERE id = 2");
  {
    auto replica = open_replica(a.options());
    ASSERT_TRUE(replica.has_value()) << replica.error().message;
    auto exported = export_replica(*replica);
    ASSERT_TRUE(exported.has_value()) << exported.error().message;
  }
  auto third = load_matched_meta(LocalPaths(a.repo));
  ASSERT_TRUE(third.has_value() && third->has_value());
  auto after_next = matched_folders(a);
  ASSERT_EQ(after_next.size(), 2u);
  EXPECT_EQ(after_next[0], (*third)->generation);
  EXPECT_TRUE(after_next[1].starts_with("trash-" + current + "-")) << after_next[1];

  // The replica still works from its matched state: nothing to export.
  auto again = run_export(a.options());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(again->changed_any());
}

}  // namespace
}  // namespace dbsync
