// Change tracking with SQLite triggers (dbsync.toml change_tracking =
// "triggers"; sync/export.h, store/sqlite/sqlite_meta.h): an export reads
// only the records the log names, yet publishes exactly what a full read
// would; dbsync's own writes are not taken for the application's; the log
// is forgotten only after a successful export; and whenever the log cannot
// be trusted, export reads everything.
#include <gtest/gtest.h>

#include <fstream>

#include "sync/export.h"
#include "sync/import.h"
#include "sync/verify_db.h"
#include "unit/sync_test_util.h"
#include "util/fault.h"

namespace dbsync {
namespace {

using testing::TestReplica;
namespace fs = std::filesystem;

void set_tracking(const TestReplica& r, bool on) {
  std::ofstream(r.repo / "dbsync.toml")
      << "version = 1\n"
      << (on ? "change_tracking = \"triggers\"\n" : "") << "[defaults]\nshards = 4\n";
}

void pull(const TestReplica& from, const TestReplica& to) {
  fs::remove_all(to.repo / "dbsync");
  fs::copy(from.repo / "dbsync", to.repo / "dbsync", fs::copy_options::recursive);
}

// A copy of a replica's whole folder (database, snapshot, local state).
TestReplica clone(const TestReplica& r, const fs::path& to) {
  fs::remove_all(to);
  fs::copy(r.repo, to, fs::copy_options::recursive);
  TestReplica c(to, "r1");
  c.now = r.now;
  return c;
}

class SyncTracking : public ::testing::Test {
 protected:
  void SetUp() override {
    set_tracking(a_, true);
    a_.sql(
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT NOT NULL, profit REAL);"
        "CREATE TABLE pairs (a TEXT, b INTEGER, v BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID;"
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40) "
        "INSERT INTO pnl SELECT i, 'u' || i, i * 1.5 FROM c;"
        "INSERT INTO pairs VALUES ('x', 1, x'00ff'), ('x', 2, NULL), ('y''s', 1, x'01');");
    auto first = run_export(a_.options());
    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_EQ(first->records, 43u);
    // The first export installed the triggers and read everything.
    ASSERT_EQ(a_.sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), "6\n");
    ASSERT_EQ(log_size(a_), "0\n");
  }

  static std::string log_size(const TestReplica& r) { return r.sql("SELECT count(*) FROM _dbsync_changes"); }

  // Exports `r` and a copy of it with tracking off (a full read): both must
  // publish the same snapshot, and verify must find the database matching.
  void expect_same_as_full_read(TestReplica& r, const std::string& name) {
    TestReplica full = clone(r, dir_.path() / name);
    set_tracking(full, false);
    auto ex = run_export(r.options());
    ASSERT_TRUE(ex.has_value()) << ex.error().message;
    auto ex_full = run_export(full.options());
    ASSERT_TRUE(ex_full.has_value()) << ex_full.error().message;
    EXPECT_EQ(ex->added, ex_full->added);
    EXPECT_EQ(ex->changed, ex_full->changed);
    EXPECT_EQ(ex->deleted, ex_full->deleted);
    EXPECT_EQ(ex->root, ex_full->root);
    EXPECT_EQ(ex_full->read, ex_full->records);
    last_read_ = ex->read;
    EXPECT_EQ(r.snapshot(), full.snapshot());
    auto check = verify_database(r.options());
    ASSERT_TRUE(check.has_value()) << check.error().message;
  }

  TempDir dir_;
  TestReplica a_{dir_.path() / "a", "r1"};
  uint64_t last_read_ = 0;
};

TEST_F(SyncTracking, AnExportFromTheLogPublishesWhatAFullReadWould) {
  a_.sql(
      "UPDATE pnl SET profit = -1.0 WHERE id = 3; DELETE FROM pnl WHERE id = 4;"
      "INSERT INTO pnl VALUES (100, 'new', 0.5); UPDATE pnl SET id = 200 WHERE id = 5;"
      "UPDATE pnl SET user = user WHERE id = 6;"  // logged, but not a change
      "UPDATE pairs SET v = x'02' WHERE a = 'y''s'; DELETE FROM pairs WHERE a = 'x' AND b = 2;");
  EXPECT_NE(log_size(a_), "0\n");
  a_.now += 1000;
  expect_same_as_full_read(a_, "full1");
  // It read only the logged rows: pnl 3, 4, 5, 200, 6, 100 and two pairs.
  EXPECT_EQ(last_read_, 8u);
  // The entries it read are forgotten once the export is committed.
  EXPECT_EQ(log_size(a_), "0\n");
  // dbsync's own tables are not collections.
  for (const auto& [path, bytes] : a_.snapshot()) EXPECT_EQ(path.find("_dbsync"), std::string::npos) << path;

  // Nothing changed: nothing to publish.
  auto again = run_export(a_.options());
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed_any());
}

TEST_F(SyncTracking, AnApplicationWriteDuringAnImportIsKeptAndExportedNext) {
  TestReplica b(dir_.path() / "b", "b");
  set_tracking(b, true);
  pull(a_, b);
  ASSERT_TRUE(run_import(b.options()).has_value());
  ASSERT_TRUE(run_export(b.options()).has_value());  // installs B's triggers
  // A changes rows 1 and 2; B's application changes row 1 before B imports.
  a_.sql("UPDATE pnl SET profit = 11.0 WHERE id = 1; UPDATE pnl SET profit = 22.0 WHERE id = 2;");
  a_.now += 1000;
  ASSERT_TRUE(run_export(a_.options()).has_value());
  b.sql("UPDATE pnl SET user = 'mine' WHERE id = 1");
  pull(a_, b);
  auto imp = run_import(b.options());
  ASSERT_TRUE(imp.has_value()) << imp.error().message;
  EXPECT_EQ(imp->updated, 1u);
  EXPECT_EQ(imp->skipped, 1u);
  EXPECT_EQ(b.sql("SELECT user, profit FROM pnl WHERE id IN (1, 2) ORDER BY id"), "mine|1.5\nu2|22.0\n");
  // The log holds the application's write, not dbsync's.
  EXPECT_EQ(b.sql("SELECT DISTINCT k1 FROM _dbsync_changes WHERE tbl = 'pnl'"), "1\n");
  b.now += 5000;
  auto ex = run_export(b.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->changed, 1u);
  auto check = verify_database(b.options());
  ASSERT_TRUE(check.has_value()) << check.error().message;
  EXPECT_TRUE(check->match);
  bool found = false;
  for (const auto& [path, bytes] : b.snapshot())
    found = found || bytes.find(R"({"id":1,"profit":1.5,"user":"mine"})") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST_F(SyncTracking, AFailedExportKeepsTheLogAndTheRerunPublishesEverything) {
  a_.sql("UPDATE pnl SET profit = 0 WHERE id < 10; DELETE FROM pairs WHERE b = 1;");
  a_.now += 1000;
  TestReplica probe = clone(a_, dir_.path() / "probe");
  fault::arm(0);
  auto probed = run_export(probe.options());
  ASSERT_TRUE(probed.has_value());
  long steps = fault::steps_seen();
  auto probe_root = std::make_optional(probed->root);
  ASSERT_GT(steps, 5);
  for (long k = 1; k <= steps; ++k) {
    SCOPED_TRACE("fault at step " + std::to_string(k) + " of " + std::to_string(steps));
    TestReplica r = clone(a_, dir_.path() / "k");
    fault::arm(k);
    auto res = run_export(r.options());
    fault::arm(0);
    if (!res.has_value()) {
      // Nothing was forgotten: the changes are still logged.
      EXPECT_NE(log_size(r), "0\n");
    }
    auto again = run_export(r.options());
    ASSERT_TRUE(again.has_value()) << again.error().message;
    // Same records as an undisturbed export (revs may differ by the retry).
    EXPECT_EQ(again->root, *probe_root);
    auto check = verify_database(r.options());
    ASSERT_TRUE(check.has_value()) << check.error().message;
    EXPECT_TRUE(check->match);
    auto third = run_export(r.options());
    ASSERT_TRUE(third.has_value());
    EXPECT_FALSE(third->changed_any());
  }
}

TEST_F(SyncTracking, WithoutATrustworthyLogExportReadsEverything) {
  // Triggers dropped by hand: changes after that are not logged.
  a_.sql("DROP TRIGGER _dbsync_pnl_upd; UPDATE pnl SET profit = 99.0 WHERE id = 7;");
  a_.now += 1000;
  expect_same_as_full_read(a_, "full1");
  EXPECT_EQ(last_read_, 40u);  // all of pnl, nothing of pairs (logged: no change)
  EXPECT_EQ(a_.sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), "6\n");

  // A column added: every document changes, nothing is logged.
  a_.sql("ALTER TABLE pnl ADD COLUMN note TEXT");
  a_.now += 1000;
  expect_same_as_full_read(a_, "full2");
  EXPECT_EQ(last_read_, 40u);

  // The table dropped and created anew: its triggers went with it.
  a_.sql(
      "DROP TABLE pairs; CREATE TABLE pairs (a TEXT, b INTEGER, v BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID;"
      "INSERT INTO pairs VALUES ('z', 9, NULL);");
  a_.now += 1000;
  expect_same_as_full_read(a_, "full3");
  EXPECT_EQ(last_read_, 1u);  // all of the new pairs, nothing of pnl

  // The database file replaced by an older copy of itself.
  fs::copy_file(a_.db, dir_.path() / "old.sqlite");
  a_.sql("UPDATE pnl SET profit = 5.0 WHERE id = 8;");
  a_.now += 1000;
  ASSERT_TRUE(run_export(a_.options()).has_value());
  fs::copy_file(dir_.path() / "old.sqlite", a_.db, fs::copy_options::overwrite_existing);
  a_.now += 1000;
  expect_same_as_full_read(a_, "full4");
  EXPECT_EQ(last_read_, 41u);
}

TEST_F(SyncTracking, TurningTrackingOffRemovesEveryTriggerAndTable) {
  set_tracking(a_, false);
  a_.sql("UPDATE pnl SET profit = 2.0 WHERE id = 1");
  a_.now += 1000;
  auto ex = run_export(a_.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->changed, 1u);
  EXPECT_EQ(a_.sql("SELECT count(*) FROM sqlite_schema WHERE name LIKE '\\_dbsync\\_%' ESCAPE '\\'"), "0\n");
}

}  // namespace
}  // namespace dbsync
