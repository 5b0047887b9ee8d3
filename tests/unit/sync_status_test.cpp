// dbsync status/diff/stats and verify_database (sync/status.h, stats.h,
// verify_db.h): what they report after local edits, after a pull, and
// when database and snapshot agree.
#include <gtest/gtest.h>

#include "json/parse.h"
#include "snapshot/record_line.h"
#include "sync/export.h"
#include "sync/import.h"
#include "sync/stats.h"
#include "sync/status.h"
#include "sync/verify_db.h"
#include "unit/sync_test_util.h"

namespace dbsync {
namespace {

using testing::TestReplica;

class SyncStatus : public ::testing::Test {
 protected:
  void SetUp() override {
    r_.sql(
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT, profit REAL);"
        "INSERT INTO pnl VALUES (1,'t1',1.5),(2,'t2',2.5),(3,'t3',3.5);");
    ASSERT_TRUE(run_export(r_.options()).has_value());
  }
  TempDir dir_;
  TestReplica r_{dir_.path()};
};

TEST_F(SyncStatus, CleanAfterAnExport) {
  auto st = replica_status(r_.options());
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_FALSE(st->pending_export());
  EXPECT_TRUE(st->tree_changed.empty());
  ASSERT_TRUE(st->matched.has_value());
  EXPECT_EQ(st->matched->op, "export");
  auto check = verify_database(r_.options());
  ASSERT_TRUE(check.has_value()) << check.error().message;
  EXPECT_TRUE(check->match);
  EXPECT_EQ(check->db_root, check->snapshot_root);
  EXPECT_EQ(check->db_records, 3u);
}

TEST_F(SyncStatus, CountsAndDiffsLocalChangesFieldByField) {
  r_.sql(
      "UPDATE pnl SET profit = 9.5 WHERE id = 2; INSERT INTO pnl VALUES (4,'t4',NULL); DELETE FROM pnl WHERE "
      "id = 3;");
  StatusOptions so;
  so.records = true;
  auto st = replica_status(r_.options(), so);
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(st->added, 1u);
  EXPECT_EQ(st->changed, 1u);
  EXPECT_EQ(st->deleted, 1u);
  ASSERT_EQ(st->records.size(), 3u);
  EXPECT_EQ(st->records[0].key, "[2]");
  EXPECT_EQ(st->records[0].state, RecordState::kChanged);
  ASSERT_EQ(st->records[0].fields.size(), 1u);
  EXPECT_EQ(st->records[0].fields[0].field, "profit");
  EXPECT_EQ(*st->records[0].fields[0].before, json::Value(2.5));
  EXPECT_EQ(*st->records[0].fields[0].after, json::Value(9.5));
  EXPECT_EQ(st->records[1].state, RecordState::kDeleted);
  EXPECT_EQ(st->records[2].state, RecordState::kAdded);
  EXPECT_EQ(st->records[2].after, R"({"id":4,"profit":null,"user":"t4"})");
}

TEST_F(SyncStatus, DiffFieldsTellsAbsentFromNull) {
  auto f = diff_fields(R"({"a":1,"b":null,"c":"x"})", R"({"a":1,"c":"y","d":null})");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].field, "b");
  EXPECT_TRUE(f[0].before.has_value());
  EXPECT_FALSE(f[0].after.has_value());
  EXPECT_EQ(f[1].field, "c");
  EXPECT_EQ(f[2].field, "d");
  EXPECT_FALSE(f[2].before.has_value());
  EXPECT_EQ(*f[2].after, json::Value());
}

TEST_F(SyncStatus, APulledSnapshotShowsAsNotImportedAndFailsVerification) {
  std::string shard = testing::slurp_file(r_.repo / "dbsync/pnl/00.jsonl");
  append_record_line(shard, *json::parse(R"({"id":7,"profit":7.5,"user":"remote"})"),
                     "2026-01-16T00:00:00.000Z-0000-x");
  ASSERT_TRUE(write_file_atomic(r_.repo / "dbsync/pnl/00.jsonl", shard).has_value());
  auto st = replica_status(r_.options());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->tree_changed, std::vector<std::string>{"dbsync/pnl/00.jsonl"});
  auto check = check_database(r_.options());
  ASSERT_TRUE(check.has_value()) << check.error().message;
  EXPECT_FALSE(check->match);
  ASSERT_EQ(check->collections.size(), 1u);
  EXPECT_EQ(check->collections[0].missing, 1u);
  EXPECT_EQ(check->collections[0].sample[0], "[7] is missing from the database");
  auto verified = verify_database(r_.options());
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kConflict);
  EXPECT_NE(verified.error().message.find("'pnl' (1 missing, 0 extra, 0 different"), std::string::npos)
      << verified.error().message;
  ASSERT_TRUE(run_import(r_.options()).has_value());
  EXPECT_TRUE(verify_database(r_.options()).has_value());
}

TEST_F(SyncStatus, VerifyFindsLocalEditsAndExtraTables) {
  r_.sql(
      "UPDATE pnl SET user = 'x' WHERE id = 1; CREATE TABLE other (id INTEGER PRIMARY KEY); INSERT INTO "
      "other VALUES (1);");
  auto check = check_database(r_.options());
  ASSERT_TRUE(check.has_value());
  EXPECT_FALSE(check->match);
  ASSERT_EQ(check->collections.size(), 2u);
  EXPECT_EQ(check->collections[0].name, "other");
  EXPECT_EQ(check->collections[0].extra, 1u);
  EXPECT_EQ(check->collections[1].differing, 1u);
  EXPECT_NE(check->db_root, check->snapshot_root);
}

TEST_F(SyncStatus, VerifyRejectsADamagedSnapshotAsBadInput) {
  std::string shard = testing::slurp_file(r_.repo / "dbsync/pnl/00.jsonl");
  ASSERT_TRUE(
      write_file_atomic(r_.repo / "dbsync/pnl/00.jsonl", shard.substr(0, shard.size() - 1)).has_value());
  auto check = verify_database(r_.options());
  ASSERT_FALSE(check.has_value());
  EXPECT_EQ(check.error().code, ErrorCode::kBadInput);
}

TEST_F(SyncStatus, StatsAddUpDatabaseSnapshotAndPending) {
  r_.sql("INSERT INTO pnl VALUES (4,'t4',4.5)");
  auto s = replica_stats(r_.options());
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_EQ(s->collections.size(), 1u);
  EXPECT_EQ(s->collections[0].db_records, 4u);
  EXPECT_EQ(s->collections[0].snapshot_records, 3u);
  EXPECT_EQ(s->collections[0].added, 1u);
  EXPECT_GT(s->snapshot_bytes, 100u);
  EXPECT_NE(s->db_root, s->snapshot_root);
  EXPECT_EQ(s->snapshot_root, s->status.matched->root);
}

}  // namespace
}  // namespace dbsync
