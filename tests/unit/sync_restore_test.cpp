// dbsync restore and backups (sync/restore.h, sync/backup.h): undoing an
// import, leaving the application's later edits alone unless forced,
// rebuilding from a commit, and pruning.
#include <gtest/gtest.h>
#include <unistd.h>

#include "sync/backup.h"
#include "sync/export.h"
#include "sync/import.h"
#include "sync/restore.h"
#include "unit/sync_test_util.h"
#include "util/process.h"

namespace dbsync {
namespace {

using testing::TestReplica;

void pull(const TestReplica& from, const TestReplica& to) {
  std::filesystem::remove_all(to.repo / "dbsync");
  std::filesystem::copy(from.repo / "dbsync", to.repo / "dbsync", std::filesystem::copy_options::recursive);
}

class SyncRestore : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.sql(
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT, profit REAL);"
        "INSERT INTO pnl VALUES (1,'t1',1.5),(2,'t2',2.5),(3,'t3',3.5);");
    ASSERT_TRUE(run_export(a_.options()).has_value());
    pull(a_, b_);
    ASSERT_TRUE(run_import(b_.options()).has_value());
    before_ = b_.sql("SELECT * FROM pnl ORDER BY id");
    a_.sql(
        "UPDATE pnl SET profit = 9.5 WHERE id = 1; DELETE FROM pnl WHERE id = 2; INSERT INTO pnl VALUES "
        "(4,'t4',4.5);");
    ASSERT_TRUE(run_export(a_.options()).has_value());
    pull(a_, b_);
    auto im = run_import(b_.options());
    ASSERT_TRUE(im.has_value());
    import_backup_ = im->backup_id;
    after_ = b_.sql("SELECT * FROM pnl ORDER BY id");
  }
  TempDir dir_;
  TestReplica a_{dir_.path() / "a", "a"};
  TestReplica b_{dir_.path() / "b", "b"};
  std::string before_, after_, import_backup_;
};

TEST_F(SyncRestore, UndoesTheLastImport) {
  ASSERT_NE(before_, after_);
  auto r = run_restore(b_.options(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->source, import_backup_);
  EXPECT_EQ(r->inserted, 1u);
  EXPECT_EQ(r->updated, 1u);
  EXPECT_EQ(r->deleted, 1u);
  EXPECT_EQ(b_.sql("SELECT * FROM pnl ORDER BY id"), before_);
  // The restore has its own backup: restoring that redoes the import.
  auto redo = run_restore(b_.options(), {r->backup_id, "", false});
  ASSERT_TRUE(redo.has_value()) << redo.error().message;
  EXPECT_EQ(b_.sql("SELECT * FROM pnl ORDER BY id"), after_);
}

TEST_F(SyncRestore, RestoredRecordsAreTheNextExportsChanges) {
  ASSERT_TRUE(run_restore(b_.options(), {}).has_value());
  b_.now += 5000;
  auto ex = run_export(b_.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->added, 1u);
  EXPECT_EQ(ex->changed, 1u);
  EXPECT_EQ(ex->deleted, 1u);
}

TEST_F(SyncRestore, LeavesLaterApplicationEditsAloneUnlessForced) {
  b_.sql("UPDATE pnl SET user = 'edited' WHERE id = 1");
  auto r = run_restore(b_.options(), {});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->skipped, 1u);
  ASSERT_EQ(r->skipped_records.size(), 1u);
  EXPECT_EQ(r->skipped_records[0].key, "[1]");
  EXPECT_EQ(b_.sql("SELECT user, profit FROM pnl WHERE id = 1"), "edited|9.5\n");
  EXPECT_EQ(b_.sql("SELECT count(*) FROM pnl WHERE id IN (2, 4)"), "1\n");
  auto forced = run_restore(b_.options(), {import_backup_, "", true});
  ASSERT_TRUE(forced.has_value()) << forced.error().message;
  EXPECT_EQ(b_.sql("SELECT * FROM pnl ORDER BY id"), before_);
}

TEST_F(SyncRestore, UnknownBackupsAndBadIdsAreUsageErrors) {
  for (const char* id : {"20990101T000000Z-0000", "../../etc", "x"}) {
    auto r = run_restore(b_.options(), {id, "", false});
    ASSERT_FALSE(r.has_value()) << id;
    EXPECT_EQ(r.error().code, ErrorCode::kUsage) << id;
  }
}

TEST_F(SyncRestore, PruneKeepsTheNewest) {
  ASSERT_TRUE(run_restore(b_.options(), {}).has_value());
  LocalPaths paths(b_.repo);
  auto all = list_backups(paths);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  auto removed = prune_backups(paths, 1);
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->size(), 2u);
  auto left = list_backups(paths);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().op, "restore");
}

void git(const std::filesystem::path& repo, std::vector<std::string> args) {
  args.insert(args.begin(),
              {"git", "-C", repo.string(), "-c", "user.name=t", "-c", "user.email=t@example.com"});
  auto r = run_process(args);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->exit_code, 0) << r->err;
}

TEST_F(SyncRestore, RebuildsFromASnapshotInGitHistory) {
  git(a_.repo, {"init", "-q"});
  git(a_.repo, {"add", "dbsync"});
  git(a_.repo, {"commit", "-q", "-m", "second"});
  a_.sql("UPDATE pnl SET profit = 0.0; INSERT INTO pnl VALUES (5,'t5',5.5);");
  ASSERT_TRUE(run_export(a_.options()).has_value());
  git(a_.repo, {"commit", "-q", "-am", "third"});
  std::string third = a_.sql("SELECT * FROM pnl ORDER BY id");
  auto r = run_restore(a_.options(), {"", "HEAD~1", false});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->source.size(), 40u);
  EXPECT_EQ(a_.sql("SELECT * FROM pnl ORDER BY id"), after_);
  EXPECT_FALSE(std::filesystem::exists(a_.repo / ".dbsync" / ("restore-" + std::to_string(::getpid()))));
  auto back = run_restore(a_.options(), {"", "HEAD", false});
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(a_.sql("SELECT * FROM pnl ORDER BY id"), third);
  for (const char* bad : {"--output=/tmp/x", "no-such-branch"}) {
    auto e = run_restore(a_.options(), {"", bad, false});
    ASSERT_FALSE(e.has_value()) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kUsage) << bad;
  }
}

TEST_F(SyncRestore, RebuildsAnEmptyDatabaseFromGitHistory) {
  git(a_.repo, {"init", "-q"});
  git(a_.repo, {"add", "dbsync"});
  git(a_.repo, {"commit", "-q", "-m", "snap"});
  std::filesystem::remove(a_.db);
  auto r = run_restore(a_.options(), {"", "HEAD", false});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(a_.sql("SELECT * FROM pnl ORDER BY id"), after_);
}

}  // namespace
}  // namespace dbsync
