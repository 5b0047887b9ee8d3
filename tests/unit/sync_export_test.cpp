// dbsync export against the matched state (sync/export.h): what lands in the
// snapshot, which lines keep their bytes, and when export refuses.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "config/config.h"
#include "json/parse.h"
#include "snapshot/record_line.h"
#include "snapshot/verify.h"
#include "sync/export.h"
#include "sync/lock.h"
#include "unit/sync_test_util.h"
#include "util/hash.h"

namespace dbsync {
namespace {

using testing::TestReplica;

constexpr const char* kRev0 = "2026-01-15T10:30:45.000Z-0000-r1";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class SyncExport : public ::testing::Test {
 protected:
  void SetUp() override {
    r_.sql(
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT NOT NULL, profit REAL, note TEXT);"
        "INSERT INTO pnl VALUES (1,'t1',1.0,NULL),(2,'t2',-2.5,''),(3,'t3',0.1,'x');");
  }
  Result<ExportResult> run() { return run_export(r_.options()); }
  std::string shard() { return testing::slurp_file(r_.repo / "dbsync/pnl/00.jsonl"); }

  TempDir dir_;
  TestReplica r_{dir_.path()};
};

TEST_F(SyncExport, FirstExportWritesEveryRowWithTheExportsRev) {
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->added, 3u);
  EXPECT_EQ(res->rev, kRev0);
  auto lines = lines_of(shard());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], std::string(R"({"d":{"id":1,"note":null,"profit":1.0,"user":"t1"},"h":")") +
                          to_hex(xxh3_128(R"({"id":1,"note":null,"profit":1.0,"user":"t1"})")) +
                          "\",\"r\":\"" + kRev0 + "\"}");
  EXPECT_NE(lines[1].find(R"("note":"")"), std::string::npos);
  auto summary = verify_snapshot(SnapshotLayout(r_.repo), Config{});
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->records, 3u);
  EXPECT_EQ(to_hex(summary->root), res->root);
  EXPECT_NE(testing::slurp_file(r_.repo / "dbsync/pnl/schema.json").find(R"("key":["id"])"),
            std::string::npos);
}

TEST_F(SyncExport, UnchangedRecordsKeepTheirLinesChangedOnesGetANewRev) {
  ASSERT_TRUE(run().has_value());
  auto before = lines_of(shard());
  r_.sql(
      "UPDATE pnl SET profit = 9.0 WHERE id = 2; INSERT INTO pnl VALUES (4,'t4',4.0,NULL); DELETE FROM pnl "
      "WHERE id = 3;");
  r_.now += 60000;
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->added, 1u);
  EXPECT_EQ(res->changed, 1u);
  EXPECT_EQ(res->deleted, 1u);
  EXPECT_EQ(res->rev, "2026-01-15T10:31:45.000Z-0000-r1");
  auto after = lines_of(shard());
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0], before[0]);  // byte for byte
  EXPECT_NE(after[1].find(R"("profit":9.0)"), std::string::npos);
  EXPECT_NE(after[1].find(res->rev), std::string::npos);
  EXPECT_NE(after[2].find(R"("id":4)"), std::string::npos);
}

TEST_F(SyncExport, NothingChangedMeansNothingWritten) {
  ASSERT_TRUE(run().has_value());
  auto before = r_.snapshot();
  r_.now += 1000;
  auto res = run();
  ASSERT_TRUE(res.has_value());
  EXPECT_FALSE(res->changed_any());
  EXPECT_EQ(res->rev, "");
  EXPECT_EQ(r_.snapshot(), before);
}

TEST_F(SyncExport, StagedFilesAKilledExportLeftInTheWorkingTreeAreRemoved) {
  ASSERT_TRUE(run().has_value());
  auto before = r_.snapshot();
  // What an export killed between staging a file and renaming it in
  // leaves beside the working-tree file.
  std::ofstream(r_.repo / "dbsync/pnl/00.jsonl.tmp-dbsync-export") << "half a shard";
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_FALSE(res->changed_any());
  EXPECT_EQ(r_.snapshot(), before);  // the staged file is gone, nothing else changed
}

TEST_F(SyncExport, RevsNeverRepeatEvenWhenTheWallClockGoesBack) {
  ASSERT_TRUE(run().has_value());
  r_.sql("UPDATE pnl SET note = 'a' WHERE id = 1");
  r_.now -= 3600000;
  auto res = run();
  ASSERT_TRUE(res.has_value());
  EXPECT_GT(res->rev, kRev0);
}

TEST_F(SyncExport, RefusesWhenThePulledSnapshotWasNotImportedYet) {
  ASSERT_TRUE(run().has_value());
  // A pull brings a record this database has not seen.
  std::string pulled = shard();
  append_record_line(pulled, *json::parse(R"({"id":7,"note":null,"profit":7.0,"user":"remote"})"),
                     "2026-01-16T00:00:00.000Z-0000-r2");
  ASSERT_TRUE(write_file_atomic(r_.repo / "dbsync/pnl/00.jsonl", pulled).has_value());
  r_.sql("UPDATE pnl SET note = 'local' WHERE id = 1");
  auto before = r_.snapshot();
  auto res = run();
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUsage);
  EXPECT_NE(res.error().message.find("dbsync/pnl/00.jsonl"), std::string::npos) << res.error().message;
  EXPECT_NE(res.error().hint.find("dbsync import"), std::string::npos);
  EXPECT_EQ(r_.snapshot(), before);
}

TEST_F(SyncExport, RefusesAWorkingTreeSnapshotThisReplicaNeverImported) {
  std::filesystem::create_directories(r_.repo / "dbsync/pnl");
  ASSERT_TRUE(write_file_atomic(r_.repo / "dbsync/pnl/schema.json", "{\"key\":[\"id\"]}\n").has_value());
  auto res = run();
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUsage);
}

TEST_F(SyncExport, ATableMissingFromTheDatabaseKeepsItsRecords) {
  ASSERT_TRUE(run().has_value());
  auto before = r_.snapshot();
  r_.sql("DROP TABLE pnl");
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(r_.snapshot(), before);
  ASSERT_EQ(res->warnings.size(), 1u);
  EXPECT_NE(res->warnings[0].find("'pnl'"), std::string::npos);
  EXPECT_EQ(res->records, 3u);
}

TEST_F(SyncExport, TablesWithoutAKeyAreSkippedWithAReason) {
  r_.sql("CREATE TABLE log (msg TEXT); INSERT INTO log VALUES ('a');");
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_FALSE(std::filesystem::exists(r_.repo / "dbsync/log"));
  ASSERT_EQ(res->warnings.size(), 1u);
  EXPECT_NE(res->warnings[0].find("no PRIMARY KEY"), std::string::npos);
}

TEST_F(SyncExport, AConfiguredKeyMakesATableWithoutPrimaryKeySyncable) {
  r_.sql("CREATE TABLE log (day TEXT, msg TEXT); INSERT INTO log VALUES ('mon','a'),('tue','b');");
  std::ofstream(r_.repo / "dbsync.toml") << "version = 1\n[collections.log]\nkey = [\"day\"]\n";
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(lines_of(testing::slurp_file(r_.repo / "dbsync/log/00.jsonl")).size(), 2u);
}

TEST_F(SyncExport, ANaturalKeyLeavesTheRowidAliasOutOfTheDocuments) {
  std::ofstream(r_.repo / "dbsync.toml") << "version = 1\n[collections.pnl]\nkey = [\"user\"]\n";
  ASSERT_TRUE(run().has_value());
  auto lines = lines_of(shard());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].find("\"id\""), std::string::npos) << lines[0];
  EXPECT_NE(testing::slurp_file(r_.repo / "dbsync/pnl/schema.json").find(R"("local":["id"])"),
            std::string::npos);
}

TEST_F(SyncExport, ADuplicateConfiguredKeyIsBadInput) {
  r_.sql("INSERT INTO pnl VALUES (5,'t1',5.0,NULL)");
  std::ofstream(r_.repo / "dbsync.toml") << "version = 1\n[collections.pnl]\nkey = [\"user\"]\n";
  auto res = run();
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kBadInput);
  EXPECT_NE(res.error().message.find("[\"t1\"]"), std::string::npos) << res.error().message;
}

TEST_F(SyncExport, ShardsFollowTheConfiguredCount) {
  std::string inserts = "BEGIN;";
  for (int i = 10; i < 200; ++i)
    inserts += "INSERT INTO pnl VALUES (" + std::to_string(i) + ",'u',1.0,NULL);";
  r_.sql(inserts + "COMMIT;");
  std::ofstream(r_.repo / "dbsync.toml") << "version = 1\n[defaults]\nshards = 4\n";
  ASSERT_TRUE(run().has_value());
  auto summary = verify_snapshot(SnapshotLayout(r_.repo), *load_config(r_.repo));
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->records, 193u);
  EXPECT_EQ(summary->collections[0].shard_files, 4u);
  // Changing the count regroups the matched state too: nothing is "changed".
  std::ofstream(r_.repo / "dbsync.toml") << "version = 1\n[defaults]\nshards = 2\n";
  auto res = run();
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_FALSE(res->changed_any());
  summary = verify_snapshot(SnapshotLayout(r_.repo), *load_config(r_.repo));
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->collections[0].shard_files, 2u);
}

TEST_F(SyncExport, AnotherProcessHoldingTheLockMakesExportFail) {
  auto lock_pid = ::fork();
  if (lock_pid == 0) {
    auto l = ReplicaLock::acquire(r_.repo);
    ::usleep(1000000);
    ::_exit(0);
  }
  ::usleep(300000);
  auto res = run();
  ::waitpid(lock_pid, nullptr, 0);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(res.error().message.find("another dbsync process"), std::string::npos);
}

}  // namespace
}  // namespace dbsync
