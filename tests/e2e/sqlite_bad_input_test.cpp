// Bad input reaching `dbsync import` (DESIGN §10): truncated shard, wrong
// hash, leftover conflict markers, unsorted or duplicate keys, a hostile
// collection name or schema.json. Each exits 3, names the file and line,
// and leaves the database, the working tree and the matched state as they
// were.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "e2e/sqlite_e2e_util.h"
#include "snapshot/record_line.h"

namespace dbsync {
namespace {

using namespace testing;

class SqliteBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = tmp_.path() / "a";
    b_ = tmp_.path() / "b";
    std::filesystem::create_directories(a_);
    sql(a_ / "db.sqlite",
        "CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT, profit REAL);"
        "INSERT INTO pnl VALUES (1,'t1',1.5),(2,'t2',2.5),(3,'t3',3.5),(4,'t4',4.5);");
    ASSERT_EQ(dbsync_run(a_, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
    copy_snapshot(a_, b_);
    ASSERT_EQ(dbsync_run(b_, {"import", "--db", "sqlite:db.sqlite"}).code, 0);
    // A's next change is what B would import.
    sql(a_ / "db.sqlite", "UPDATE pnl SET profit = 9.5 WHERE id = 2; INSERT INTO pnl VALUES (5,'t5',5.5);");
    ASSERT_EQ(dbsync_run(a_, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
    copy_snapshot(a_, b_);
  }

  std::string shard() { return slurp_file(b_ / "dbsync/pnl/00.jsonl"); }
  void set_shard(const std::string& text) {
    ASSERT_TRUE(write_file_atomic(b_ / "dbsync/pnl/00.jsonl", text).has_value());
  }

  // Imports and checks the failure contract; returns the error text.
  std::string expect_rejected() {
    std::string db_before = slurp_file(b_ / "db.sqlite");
    auto matched_before = tree_files(b_ / ".dbsync/matched");
    std::string meta_before = slurp_file(b_ / ".dbsync/matched.json");
    auto tree_before = tree_files(b_ / "dbsync");
    CliResult r = dbsync_run(b_, {"import", "--db", "sqlite:db.sqlite"});
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_EQ(slurp_file(b_ / "db.sqlite"), db_before);
    EXPECT_EQ(tree_files(b_ / ".dbsync/matched"), matched_before);
    EXPECT_EQ(slurp_file(b_ / ".dbsync/matched.json"), meta_before);
    EXPECT_EQ(tree_files(b_ / "dbsync"), tree_before);
    EXPECT_FALSE(std::filesystem::exists(b_ / ".dbsync/journal"));
    EXPECT_EQ(sql(b_ / "db.sqlite", "SELECT profit FROM pnl WHERE id = 2"), "2.5\n");
    return r.err;
  }

  TempDir tmp_;
  std::filesystem::path a_, b_;
};

TEST_F(SqliteBadInput, ATruncatedShard) {
  std::string s = shard();
  set_shard(s.substr(0, s.size() - 20));
  std::string err = expect_rejected();
  EXPECT_NE(err.find("'dbsync/pnl/00.jsonl' line 5: truncated last line"), std::string::npos) << err;
}

TEST_F(SqliteBadInput, AHashThatDoesNotMatchItsDocument) {
  std::string s = shard();
  size_t pos = s.find("9.5");
  ASSERT_NE(pos, std::string::npos);
  s.replace(pos, 3, "8.5");
  set_shard(s);
  std::string err = expect_rejected();
  EXPECT_NE(err.find("line 2: field 'h': hash does not match the document"), std::string::npos) << err;
}

TEST_F(SqliteBadInput, LeftoverConflictMarkers) {
  std::string s = shard();
  size_t second = s.find('\n') + 1;
  s.insert(second, "<<<<<<< HEAD\n");
  set_shard(s);
  std::string err = expect_rejected();
  EXPECT_NE(err.find("line 2: leftover git conflict marker"), std::string::npos) << err;
}

TEST_F(SqliteBadInput, KeysOutOfOrderOrTwice) {
  std::string s = shard();
  size_t first_end = s.find('\n') + 1;
  std::string first = s.substr(0, first_end);
  set_shard(s.substr(first_end) + first);
  std::string err = expect_rejected();
  EXPECT_NE(err.find("is out of order"), std::string::npos) << err;
  set_shard(first + s);
  err = expect_rejected();
  EXPECT_NE(err.find("line 2: duplicate key [1]"), std::string::npos) << err;
}

TEST_F(SqliteBadInput, AHostileCollectionName) {
  std::filesystem::create_directories(b_ / "dbsync" / "x\"; DROP TABLE pnl; --");
  std::string err = expect_rejected();
  EXPECT_NE(err.find("is not a plain name"), std::string::npos) << err;
}

TEST_F(SqliteBadInput, AHostileSchemaForANewTable) {
  std::filesystem::create_directories(b_ / "dbsync/evil");
  ASSERT_TRUE(
      write_file_atomic(
          b_ / "dbsync/evil/schema.json",
          R"({"key":["id"],"sqlite":{"columns":[{"default":null,"name":"id","notnull":false,"pk":1,"type":"INT); DROP TABLE pnl; --"}],"foreign_keys":[],"indexes":[],"without_rowid":false}})"
          "\n")
          .has_value());
  std::string line;
  append_record_line(line, *json::parse(R"({"id":1})"), "2026-01-15T10:30:45.000Z-0000-a");
  ASSERT_TRUE(write_file_atomic(b_ / "dbsync/evil/00.jsonl", line).has_value());
  std::string err = expect_rejected();
  EXPECT_NE(err.find("'dbsync/evil/schema.json' field 'sqlite.columns[0].type'"), std::string::npos) << err;
  EXPECT_EQ(sql(b_ / "db.sqlite", "SELECT count(*) FROM sqlite_schema WHERE name = 'evil'"), "0\n");
}

TEST_F(SqliteBadInput, ARecordInTheWrongShard) {
  std::ofstream(b_ / "dbsync.toml") << "version = 1\n[defaults]\nshards = 2\n";
  std::string s = shard();
  ASSERT_TRUE(write_file_atomic(b_ / "dbsync/pnl/01.jsonl", s).has_value());
  std::filesystem::remove(b_ / "dbsync/pnl/00.jsonl");
  std::string err = expect_rejected();
  EXPECT_NE(err.find("belongs in shard"), std::string::npos) << err;
}

TEST_F(SqliteBadInput, AnExportAfterAFailedImportIsStillRefused) {
  std::string s = shard();
  set_shard(s.substr(0, s.size() - 1));
  expect_rejected();
  CliResult r = dbsync_run(b_, {"export", "--db", "sqlite:db.sqlite"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("try: run 'dbsync import' first"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dbsync
