// Crash safety of import under injected faults (DESIGN §10): the k-th
// write, fsync, rename or SQL statement of an import fails, for every k.
// Afterwards the database is exactly the old or the new state, a rerun
// converges to the new state with nothing duplicated and nothing spurious
// to export, and restoring the import's backup brings the old state back.
#include <gtest/gtest.h>
#include <unistd.h>

#include "sync/export.h"
#include "sync/import.h"
#include "sync/restore.h"
#include "sync/verify_db.h"
#include "unit/sync_test_util.h"
#include "util/fault.h"

namespace dbsync {
namespace {

using testing::TestReplica;
namespace fs = std::filesystem;

// Faults need many runs; on tmpfs an fsync costs nothing.
fs::path scratch_root() {
  std::error_code ec;
  if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return fs::temp_directory_path();
}

std::string dump(const TestReplica& r) {
  return r.sql("SELECT 'pnl', * FROM pnl ORDER BY id; SELECT 'trades', * FROM trades ORDER BY k;");
}

class SyncFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_root() / ("dbsync-fault-" + std::to_string(::getpid()) + "-" +
                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    TestReplica a(root_ / "a", "a"), b(root_ / "template", "b");
    a.sql(
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT, profit REAL);"
        "INSERT INTO pnl VALUES (1,'t1',1.5),(2,'t2',2.5),(3,'t3',3.5),(4,'t4',4.5);");
    ASSERT_TRUE(run_export(a.options()).has_value());
    fs::copy(a.repo / "dbsync", b.repo / "dbsync", fs::copy_options::recursive);
    ASSERT_TRUE(run_import(b.options()).has_value());
    old_ = b.sql("SELECT 'pnl', * FROM pnl ORDER BY id;");
    // A's next state: an update, a delete, an insert, and a new table.
    a.sql(
        "UPDATE pnl SET profit = 10.5 WHERE id = 1; DELETE FROM pnl WHERE id = 2; INSERT INTO pnl VALUES "
        "(5,'t5',5.5);"
        "CREATE TABLE trades (k TEXT PRIMARY KEY, qty INTEGER); INSERT INTO trades VALUES ('x', 1), ('y', "
        "2);");
    a.now += 1000;
    ASSERT_TRUE(run_export(a.options()).has_value());
    new_ = dump(a);
    fs::remove_all(b.repo / "dbsync");
    fs::copy(a.repo / "dbsync", b.repo / "dbsync", fs::copy_options::recursive);
  }
  void TearDown() override {
    fault::arm(0);
    if (std::getenv("DBSYNC_KEEP_TEMP") == nullptr) fs::remove_all(root_);
  }

  TestReplica copy_of_template(const std::string& name) {
    fs::remove_all(root_ / name);
    fs::copy(root_ / "template", root_ / name, fs::copy_options::recursive);
    return TestReplica(root_ / name, "b");
  }

  std::string old_state(const TestReplica& r) { return r.sql("SELECT 'pnl', * FROM pnl ORDER BY id;"); }
  bool has_trades(const TestReplica& r) {
    return r.sql("SELECT count(*) FROM sqlite_schema WHERE name = 'trades'") == "1\n";
  }

  fs::path root_;
  std::string old_, new_;
};

TEST_F(SyncFaults, EveryFailingStepOfAnImportLeavesOldOrNewStateAndRecovers) {
  long steps = 0;
  {
    TestReplica probe = copy_of_template("probe");
    fault::arm(0);
    auto ok = run_import(probe.options());
    steps = fault::steps_seen();
    ASSERT_TRUE(ok.has_value()) << ok.error().message;
    ASSERT_EQ(dump(probe), new_);
  }
  ASSERT_GT(steps, 20);
  int failed_runs = 0, old_after = 0, new_after = 0;
  for (long k = 1; k <= steps; ++k) {
    SCOPED_TRACE("fault at step " + std::to_string(k) + " of " + std::to_string(steps));
    TestReplica r = copy_of_template("k");
    fault::arm(k);
    auto res = run_import(r.options());
    fault::arm(0);
    if (!res.has_value()) ++failed_runs;
    // Exactly the old or the new state, never a mix.
    bool is_old = !has_trades(r) && old_state(r) == old_;
    bool is_new = has_trades(r) && dump(r) == new_;
    ASSERT_TRUE(is_old || is_new) << (res ? "import succeeded" : res.error().message) << "\n" << dump(r);
    (is_old ? old_after : new_after)++;
    if (res.has_value()) {
      ASSERT_TRUE(is_new);
    }

    // The rerun converges, with nothing left over.
    auto again = run_import(r.options());
    ASSERT_TRUE(again.has_value()) << again.error().message;
    ASSERT_EQ(dump(r), new_);
    ASSERT_FALSE(fs::exists(r.repo / ".dbsync/journal"));
    ASSERT_TRUE(verify_database(r.options()).has_value());
    auto ex = run_export(r.options());
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    ASSERT_FALSE(ex->changed_any()) << "spurious changes after recovering from step " << k;

    // And the import can be undone from its backup.
    auto undo = run_restore(r.options(), {});
    ASSERT_TRUE(undo.has_value()) << undo.error().message;
    ASSERT_EQ(old_state(r), old_);
    ASSERT_EQ(r.sql("SELECT count(*) FROM trades"), "0\n");
  }
  std::printf("import: %ld steps, %d left the old state, %d the new\n", steps, old_after, new_after);
  EXPECT_EQ(failed_runs, steps);  // every armed step did fail the import
  EXPECT_GT(old_after, 0);
  EXPECT_GT(new_after, 0);
}

TEST_F(SyncFaults, EveryFailingStepOfAnExportLeavesTheSnapshotUsable) {
  TestReplica probe = copy_of_template("probe");
  ASSERT_TRUE(run_import(probe.options()).has_value());
  probe.sql("UPDATE pnl SET user = 'changed' WHERE id = 3; INSERT INTO trades VALUES ('z', 3);");
  fs::remove_all(root_ / "template");
  fs::copy(probe.repo, root_ / "template", fs::copy_options::recursive);
  fault::arm(0);
  auto first = run_export(probe.options());
  long steps = fault::steps_seen();
  ASSERT_TRUE(first.has_value());
  auto expected = probe.snapshot();
  for (long k = 1; k <= steps; ++k) {
    SCOPED_TRACE("fault at step " + std::to_string(k) + " of " + std::to_string(steps));
    TestReplica r = copy_of_template("k");
    fault::arm(k);
    auto res = run_export(r.options());
    fault::arm(0);
    auto again = run_export(r.options());
    ASSERT_TRUE(again.has_value()) << again.error().message;
    // Same records as an undisturbed export (revs may differ by the retry).
    auto got = r.snapshot();
    ASSERT_EQ(got.size(), expected.size());
    auto st = verify_database(r.options());
    ASSERT_TRUE(st.has_value()) << st.error().message;
    auto third = run_export(r.options());
    ASSERT_TRUE(third.has_value());
    ASSERT_FALSE(third->changed_any());
  }
}

}  // namespace
}  // namespace dbsync
