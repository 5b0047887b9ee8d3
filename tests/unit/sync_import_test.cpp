// dbsync import (sync/import.h): the three-way rule per record, tables
// created from schema.json, the matched state and the clock afterwards.
#include <gtest/gtest.h>

#include <fstream>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/record_line.h"
#include "sync/backup.h"
#include "sync/export.h"
#include "sync/import.h"
#include "sync/matched.h"
#include "unit/sync_test_util.h"

namespace dbsync {
namespace {

using testing::TestReplica;

// Copies A's snapshot folder over B's, as a pull would.
void pull(const TestReplica& from, const TestReplica& to) {
  std::filesystem::remove_all(to.repo / "dbsync");
  std::filesystem::copy(from.repo / "dbsync", to.repo / "dbsync", std::filesystem::copy_options::recursive);
}

class SyncImport : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.sql(
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT NOT NULL, profit REAL, note TEXT);"
        "CREATE INDEX pnl_user ON pnl(user);"
        "INSERT INTO pnl VALUES (1,'t1',1.0,NULL),(2,'t2',-2.5,''),(3,'t3',0.1,'x');");
    ASSERT_TRUE(run_export(a_.options()).has_value());
    pull(a_, b_);
    auto res = run_import(b_.options());
    ASSERT_TRUE(res.has_value()) << res.error().message;
    ASSERT_EQ(res->inserted, 3u);
  }

  TempDir dir_;
  TestReplica a_{dir_.path() / "a", "a"};
  TestReplica b_{dir_.path() / "b", "b"};
};

TEST_F(SyncImport, ANewReplicaIsBuiltFromTheSnapshotAlone) {
  EXPECT_EQ(b_.sql("SELECT id, user, profit, quote(note) FROM pnl ORDER BY id"),
            "1|t1|1.0|NULL\n2|t2|-2.5|''\n3|t3|0.1|'x'\n");
  EXPECT_EQ(b_.sql("SELECT typeof(profit) FROM pnl WHERE id = 1"), "real\n");
  EXPECT_EQ(b_.sql("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'pnl_user'"),
            "pnl_user\n");
  auto res = run_export(b_.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_FALSE(res->changed_any());
  EXPECT_EQ(b_.snapshot(), a_.snapshot());
}

TEST_F(SyncImport, AppliesRemoteChangesAndNeverOverwritesLocalOnes) {
  a_.sql(
      "UPDATE pnl SET profit = 10.0 WHERE id = 1; UPDATE pnl SET profit = 20.0 WHERE id = 2;"
      "INSERT INTO pnl VALUES (4,'t4',4.0,NULL); DELETE FROM pnl WHERE id = 3;");
  a_.now += 1000;
  ASSERT_TRUE(run_export(a_.options()).has_value());
  // Meanwhile B's application edits record 1 and deletes record 2.
  b_.sql("UPDATE pnl SET note = 'local edit' WHERE id = 1; DELETE FROM pnl WHERE id = 2;");
  pull(a_, b_);
  auto res = run_import(b_.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->inserted, 1u);
  EXPECT_EQ(res->deleted, 1u);
  EXPECT_EQ(res->updated, 0u);
  EXPECT_EQ(res->skipped, 2u);
  ASSERT_EQ(res->skipped_records.size(), 2u);
  EXPECT_EQ(res->skipped_records[0].key, "[1]");
  EXPECT_EQ(res->skipped_records[0].reason, "changed in the database since the last export");
  EXPECT_EQ(res->skipped_records[1].reason, "deleted in the database since the last export");
  EXPECT_EQ(b_.sql("SELECT id, profit, quote(note) FROM pnl ORDER BY id"),
            "1|1.0|'local edit'\n4|4.0|NULL\n");

  // The next export publishes B's own changes, with a rev after A's.
  auto ex = run_export(b_.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->changed, 1u);
  EXPECT_EQ(ex->deleted, 1u);
  EXPECT_GT(ex->rev, "2026-01-15T10:30:46.000Z-0000-a");
}

TEST_F(SyncImport, ImportIsIdempotent) {
  a_.sql("INSERT INTO pnl VALUES (4,'t4',4.0,NULL)");
  ASSERT_TRUE(run_export(a_.options()).has_value());
  pull(a_, b_);
  ASSERT_TRUE(run_import(b_.options()).has_value());
  auto again = run_import(b_.options());
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->wrote());
  EXPECT_EQ(again->backup_id, "");
  EXPECT_EQ(b_.sql("SELECT count(*) FROM pnl"), "4\n");
}

TEST_F(SyncImport, ARecordAlreadyAsTheSnapshotSaysCountsAsInSync) {
  a_.sql("UPDATE pnl SET note = 'same' WHERE id = 3");
  ASSERT_TRUE(run_export(a_.options()).has_value());
  b_.sql("UPDATE pnl SET note = 'same' WHERE id = 3");
  pull(a_, b_);
  auto res = run_import(b_.options());
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->in_sync, 1u);
  EXPECT_EQ(res->skipped, 0u);
  auto ex = run_export(b_.options());
  ASSERT_TRUE(ex.has_value());
  EXPECT_FALSE(ex->changed_any());
}

TEST_F(SyncImport, TheClockMovesPastImportedRevs) {
  a_.now += 86400000;  // A's clock runs a day ahead
  a_.sql("UPDATE pnl SET profit = 5.0 WHERE id = 1");
  auto ea = run_export(a_.options());
  ASSERT_TRUE(ea.has_value());
  pull(a_, b_);
  ASSERT_TRUE(run_import(b_.options()).has_value());
  b_.sql("UPDATE pnl SET profit = 6.0 WHERE id = 1");
  auto eb = run_export(b_.options());
  ASSERT_TRUE(eb.has_value());
  EXPECT_GT(Rev(*parse_rev(eb->rev)), Rev(*parse_rev(ea->rev)));
  EXPECT_LT(eb->rev.substr(0, 23), std::string("2026-01-16T10:30:45.001"));
}

TEST_F(SyncImport, WritesABackupOfEveryTouchedRecord) {
  a_.sql(
      "UPDATE pnl SET profit = 10.0 WHERE id = 1; INSERT INTO pnl VALUES (4,'t4',4.0,NULL); DELETE FROM pnl "
      "WHERE id = 3;");
  ASSERT_TRUE(run_export(a_.options()).has_value());
  pull(a_, b_);
  auto res = run_import(b_.options());
  ASSERT_TRUE(res.has_value());
  LocalPaths paths(b_.repo);
  auto manifest = read_backup_manifest(paths, res->backup_id);
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message;
  EXPECT_EQ(manifest->state, "applied");
  EXPECT_EQ(manifest->op, "import");
  EXPECT_EQ(manifest->collections["pnl"].updated, 1u);
  auto entries = read_backup_entries(paths, res->backup_id, "pnl");
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].key, "[1]");
  EXPECT_EQ(*(*entries)[0].before, R"({"id":1,"note":null,"profit":1.0,"user":"t1"})");
  EXPECT_EQ((*entries)[1].key, "[3]");
  EXPECT_FALSE((*entries)[1].after.has_value());
  EXPECT_FALSE((*entries)[2].before.has_value());
  EXPECT_FALSE(std::filesystem::exists(paths.journal()));
}

TEST_F(SyncImport, ValuesTheDatabaseNormalisesAreVerifiedAndPublishedInThatForm) {
  // A snapshot written by another store: a boolean and a missing field.
  std::string shard = testing::slurp_file(b_.repo / "dbsync/pnl/00.jsonl");
  append_record_line(shard, *json::parse(R"({"id":9,"note":true,"user":"t9"})"),
                     "2026-01-15T11:00:00.000Z-0000-m");
  ASSERT_TRUE(write_file_atomic(b_.repo / "dbsync/pnl/00.jsonl", shard).has_value());
  auto res = run_import(b_.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->inserted, 1u);
  EXPECT_EQ(res->normalized, 1u);
  EXPECT_EQ(b_.sql("SELECT quote(note), quote(profit) FROM pnl WHERE id = 9"), "'1'|NULL\n");
  auto ex = run_export(b_.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_FALSE(ex->changed_any());
  std::string after = testing::slurp_file(b_.repo / "dbsync/pnl/00.jsonl");
  EXPECT_NE(after.find(R"({"id":9,"note":"1","profit":null,"user":"t9"})"), std::string::npos) << after;
  EXPECT_NE(after.find("2026-01-15T11:00:00.000Z-0000-m"), std::string::npos);
}

TEST_F(SyncImport, AFieldTheTableLacksBecomesANewColumn) {
  std::string shard = testing::slurp_file(b_.repo / "dbsync/pnl/00.jsonl");
  append_record_line(shard, *json::parse(R"({"id":9,"note":null,"profit":1.5,"ticker":"SOL","user":"t9"})"),
                     "2026-01-15T11:00:00.000Z-0000-m");
  ASSERT_TRUE(write_file_atomic(b_.repo / "dbsync/pnl/00.jsonl", shard).has_value());
  auto res = run_import(b_.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(b_.sql("SELECT ticker FROM pnl WHERE id = 9"), "SOL\n");
  EXPECT_EQ(b_.sql("SELECT quote(ticker) FROM pnl WHERE id = 1"), "NULL\n");
}

// A collection with no schema.json (written by another program, or by a
// MongoDB replica) is created from the fields its records use: every field
// of every record, not only those of the first, escaped names included.
TEST_F(SyncImport, ANewTableWithoutSchemaGetsAColumnForEveryFieldOfEveryRecord) {
  std::filesystem::create_directories(b_.repo / "dbsync/events");
  std::string shard;
  for (const char* doc :
       {R"({"_id":1,"a":"x"})", R"({"_id":2,"b":"y"})", R"({"_id":3,"a":"z","we\"ird":7})"}) {
    append_record_line(shard, *json::parse(doc), "2026-01-15T11:00:00.000Z-0000-m");
  }
  ASSERT_TRUE(write_file_atomic(b_.repo / "dbsync/events/00.jsonl", shard).has_value());
  auto res = run_import(b_.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(b_.sql("SELECT name FROM pragma_table_info('events') ORDER BY cid"), "_id\na\nb\nwe\"ird\n");
  EXPECT_EQ(b_.sql("SELECT _id, quote(a), quote(b), quote(\"we\"\"ird\") FROM events ORDER BY _id"),
            "1|'x'|NULL|NULL\n2|NULL|'y'|NULL\n3|'z'|NULL|7\n");
}

TEST_F(SyncImport, AKeyThatDiffersFromTheDatabasesIsRefused) {
  TestReplica c(dir_.path() / "c", "c");
  c.sql("CREATE TABLE pnl (id INTEGER, user TEXT PRIMARY KEY, profit REAL, note TEXT)");
  pull(a_, c);
  auto res = run_import(c.options());
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUsage);
  EXPECT_NE(res.error().message.find("keyed by (user) in the database but by (id)"), std::string::npos)
      << res.error().message;
  EXPECT_EQ(c.sql("SELECT count(*) FROM pnl"), "0\n");
}

// A snapshot can come from anyone: a collection named like dbsync's own
// bookkeeping tables is refused before anything is written.
TEST_F(SyncImport, ACollectionNamedLikeDbsyncsOwnTablesIsBadInput) {
  TestReplica c(dir_.path() / "c", "c");
  pull(a_, c);
  std::filesystem::copy(c.repo / "dbsync/pnl", c.repo / "dbsync/_dbsync_changes");
  auto res = run_import(c.options());
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kBadInput);
  EXPECT_NE(res.error().message.find("'_dbsync_changes' is reserved"), std::string::npos)
      << res.error().message;
  EXPECT_EQ(c.sql("SELECT count(*) FROM sqlite_schema"), "0\n");
}

// A replica on PostgreSQL wrote schema.json; a new SQLite replica created its
// table from it. Its exports keep that schema.json byte for byte (else the
// two replicas would rewrite it in their own form on every sync), until the
// table's definition changes here.
TEST_F(SyncImport, ATableCreatedFromAnotherStoresSchemaKeepsThatSchemaJson) {
  const std::string pg_schema = json::to_canonical(*json::parse(R"({"key":["id"],"postgresql":{"columns":[
        {"default":null,"generated":false,"identity":"","name":"id","notnull":true,"pk":1,"type":"bigint"},
        {"default":null,"generated":false,"identity":"","name":"note","notnull":false,"pk":0,"type":"text"},
        {"default":null,"generated":false,"identity":"","name":"profit","notnull":false,"pk":0,
         "type":"double precision"},
        {"default":null,"generated":false,"identity":"","name":"user","notnull":true,"pk":0,"type":"text"}]}})")) +
                                "\n";
  TestReplica c(dir_.path() / "c", "c");
  pull(a_, c);
  ASSERT_TRUE(write_file_atomic(c.repo / "dbsync/pnl/schema.json", pg_schema).has_value());
  auto res = run_import(c.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(c.sql("SELECT count(*) FROM pnl"), "3\n");
  c.sql("UPDATE pnl SET profit = 7.5 WHERE id = 2");
  c.now += 1000;
  auto ex = run_export(c.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->changed, 1u);
  EXPECT_EQ(testing::slurp_file(c.repo / "dbsync/pnl/schema.json"), pg_schema);
  // dbsync's bookkeeping table is not a collection.
  EXPECT_EQ(c.snapshot().count("_dbsync_tables/schema.json"), 0u);

  // Once the table is altered, schema.json describes it as it is.
  c.sql("ALTER TABLE pnl ADD COLUMN ticker TEXT");
  c.now += 1000;
  ex = run_export(c.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  std::string now = testing::slurp_file(c.repo / "dbsync/pnl/schema.json");
  EXPECT_NE(now.find(R"("sqlite":)"), std::string::npos) << now;
  EXPECT_NE(now.find(R"("name":"ticker")"), std::string::npos) << now;
}

}  // namespace
}  // namespace dbsync

namespace dbsync {
namespace {

TEST(SyncMatchedState, AnInPlaceEditOfAHardLinkedSnapshotFileIsDetected) {
  TempDir dir;
  testing::TestReplica r(dir.path());
  r.sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'aaaa');");
  ASSERT_TRUE(run_export(r.options()).has_value());
  auto shard = r.repo / "dbsync/t/00.jsonl";
  if (std::filesystem::hard_link_count(shard) < 2) GTEST_SKIP() << "no hard links on this file system";
  // An editor that writes in place (keeping the inode) changes both copies.
  std::string text = testing::slurp_file(shard);
  text.replace(text.find("aaaa"), 4, "bbbb");
  {
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  auto im = run_import(r.options());
  ASSERT_FALSE(im.has_value());
  EXPECT_EQ(im.error().code, ErrorCode::kBadInput);
  EXPECT_NE(im.error().message.find("changed after dbsync wrote it"), std::string::npos)
      << im.error().message;
  EXPECT_EQ(r.sql("SELECT v FROM t"), "aaaa\n");
}

}  // namespace
}  // namespace dbsync
