// The MongoDB store on the wire: the real dbsync binary against a scripted
// MongoDB wire-protocol server (tests/e2e/mongo_wire/mock_mongod.py, on
// Debian's python3-mockupdb), which logs every command it receives. Checks
// the commands an export and an import send (find/getMore; delete, update
// and insert with filters on the before-image), that a network error in the
// middle of an import rolls back to the old data, that a document the
// application changes during an import is not overwritten, and that an
// authentication failure is a clear error (exit 4) that never shows the
// password. Skipped when python3-mockupdb is not installed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/mongo_wire/mock_mongod.h"
#include "e2e/sqlite_e2e_util.h"
#include "test_support/temp_dir.h"

namespace dbsync {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::vector<std::string> commands(const std::vector<std::string>& log, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& l : log) {
    if (l.rfind("{\"" + name + "\"", 0) == 0) out.push_back(l);
  }
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The documents ("d") of a shard file, one per line.
std::string docs_of(const fs::path& shard) {
  std::string out;
  std::istringstream in(read_all(shard));
  for (std::string l; std::getline(in, l);) out += l.substr(0, l.find(",\"h\":\"")) + "\n";
  return out;
}

fs::path write_data(const fs::path& dir, const std::string& name, const std::vector<std::string>& docs) {
  fs::path p = dir / name;
  std::ofstream out(p);
  for (const auto& d : docs) out << "{\"c\": \"pnl\", \"d\": " << d << "}\n";
  return p;
}

std::string int_doc(int id, const std::string& v) {
  return "{\"_id\": {\"$numberInt\": \"" + std::to_string(id) + "\"}, \"v\": \"" + v + "\"}";
}

class MongoWire : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_mockupdb()) GTEST_SKIP() << "python3-mockupdb is not installed (scripts/install-deps.sh)";
  }
  TempDir tmp_;
};

TEST_F(MongoWire, ExportReadsEveryTypeWithFindAndGetMore) {
  fs::path data = write_data(
      tmp_.path(), "data.jsonl",
      {R"({"_id": {"$oid": "5f1d7a0e0000000000000001"}, "n": {"$numberInt": "1"}, "l": {"$numberLong": "7"}, "d": {"$numberDouble": "1.0"}, "t": {"$date": {"$numberLong": "1768473045123"}}})",
       R"({"_id": {"$oid": "5f1d7a0e0000000000000002"}, "dec": {"$numberDecimal": "1.50"}, "b": {"$binary": {"base64": "AAE=", "subType": "00"}}})",
       R"({"_id": {"$oid": "5f1d7a0e0000000000000003"}, "big": {"$numberLong": "9007199254740993"}, "nan": {"$numberDouble": "NaN"}})",
       R"({"_id": {"$oid": "5f1d7a0e0000000000000004"}, "s": "x"})",
       R"({"_id": {"$oid": "5f1d7a0e0000000000000005"}, "s": "y"})"});
  MockMongod mock(tmp_.path(), {"--data", data.string(), "--batch", "2"});
  ASSERT_GT(mock.port(), 0);
  fs::path repo = tmp_.path() / "repo";
  fs::create_directories(repo);
  auto r = dbsync_run(repo, {"export", "--db", mock.url()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(docs_of(repo / "dbsync" / "pnl" / "00.jsonl"),
            "{\"d\":{\"_id\":{\"$oid\":\"5f1d7a0e0000000000000001\"},\"d\":1.0,\"l\":{\"$numberLong\":\"7\"},"
            "\"n\":1,\"t\":{\"$date\":\"2026-01-15T10:30:45.123Z\"}}\n"
            "{\"d\":{\"_id\":{\"$oid\":\"5f1d7a0e0000000000000002\"},\"b\":{\"$binary\":{\"base64\":\"AAE=\","
            "\"subType\":\"00\"}},\"dec\":{\"$numberDecimal\":\"1.50\"}}\n"
            "{\"d\":{\"_id\":{\"$oid\":\"5f1d7a0e0000000000000003\"},\"big\":9007199254740993,\"nan\":{"
            "\"$numberDouble\":\"NaN\"}}\n"
            "{\"d\":{\"_id\":{\"$oid\":\"5f1d7a0e0000000000000004\"},\"s\":\"x\"}\n"
            "{\"d\":{\"_id\":{\"$oid\":\"5f1d7a0e0000000000000005\"},\"s\":\"y\"}\n");
  EXPECT_EQ(read_all(repo / "dbsync" / "pnl" / "schema.json"), "{\"key\":[\"_id\"]}\n");
  auto log = mock.log();
  EXPECT_FALSE(commands(log, "listCollections").empty());
  EXPECT_FALSE(commands(log, "listIndexes").empty());
  auto finds = commands(log, "find");
  ASSERT_EQ(finds.size(), 1u);
  EXPECT_NE(finds[0].find("\"find\": \"pnl\", \"filter\": {}"), std::string::npos) << finds[0];
  // Five documents in batches of two: the first batch and two getMores.
  EXPECT_EQ(commands(log, "getMore").size(), 2u);
  EXPECT_TRUE(commands(log, "insert").empty());
  EXPECT_TRUE(commands(log, "update").empty());
  EXPECT_TRUE(commands(log, "delete").empty());
}

// Repository `a` exported from a server holding ids 1..4; `b`'s snapshot
// (1 changed, 2 deleted, 5 inserted) is copied into `a` for the import.
struct ImportSetup {
  fs::path a, b, data_a;
  std::string a_docs;
};

ImportSetup prepare_import(const fs::path& dir) {
  ImportSetup s;
  s.a = dir / "a";
  s.b = dir / "b";
  fs::create_directories(s.a);
  fs::create_directories(s.b);
  s.data_a = write_data(dir, "a.jsonl",
                        {int_doc(1, "one"), int_doc(2, "two"), int_doc(3, "three"), int_doc(4, "four")});
  fs::path data_b = write_data(
      dir, "b.jsonl", {int_doc(1, "ONE"), int_doc(3, "three"), int_doc(4, "four"), int_doc(5, "five")});
  MockMongod mock_b(dir, {"--data", data_b.string()});
  EXPECT_GT(mock_b.port(), 0);
  auto r = dbsync_run(s.b, {"export", "--db", mock_b.url()});
  EXPECT_EQ(r.code, 0) << r.err;
  return s;
}

TEST_F(MongoWire, ImportSendsConditionalBulkWrites) {
  ImportSetup s = prepare_import(tmp_.path());
  MockMongod mock(tmp_.path() / "a", {"--data", s.data_a.string()});
  ASSERT_GT(mock.port(), 0);
  ASSERT_EQ(dbsync_run(s.a, {"export", "--db", mock.url()}).code, 0);
  copy_snapshot(s.b, s.a);
  mock.clear_log();
  auto r = dbsync_run(s.a, {"import", "--db", mock.url()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto log = mock.log();
  auto deletes = commands(log, "delete"), updates = commands(log, "update"),
       inserts = commands(log, "insert");
  ASSERT_EQ(deletes.size(), 1u);
  ASSERT_EQ(updates.size(), 1u);
  ASSERT_EQ(inserts.size(), 1u);
  // Each write is conditional on the document being exactly what the import read.
  EXPECT_NE(deletes[0].find("\"q\": {\"_id\": {\"$numberInt\": \"2\"}, \"$expr\": {\"$eq\": [\"$$ROOT\", "
                            "{\"$literal\": {\"_id\": {\"$numberInt\": \"2\"}, \"v\": \"two\"}}]}}"),
            std::string::npos)
      << deletes[0];
  EXPECT_NE(updates[0].find("\"q\": {\"_id\": {\"$numberInt\": \"1\"}, \"$expr\": {\"$eq\": [\"$$ROOT\", "
                            "{\"$literal\": {\"_id\": {\"$numberInt\": \"1\"}, \"v\": \"one\"}}]}}, "
                            "\"u\": {\"_id\": {\"$numberInt\": \"1\"}, \"v\": \"ONE\"}"),
            std::string::npos)
      << updates[0];
  EXPECT_NE(inserts[0].find("\"documents\": [{\"_id\": {\"$numberInt\": \"5\"}, \"v\": \"five\"}]"),
            std::string::npos)
      << inserts[0];
  // Deletes go first, then updates, then inserts; then the import reads back.
  size_t del_at = 0, ins_at = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i] == deletes[0]) del_at = i;
    if (log[i] == inserts[0]) ins_at = i;
  }
  EXPECT_LT(del_at, ins_at);
  // The database now exports as b's snapshot.
  fs::path again = tmp_.path() / "again";
  fs::create_directories(again);
  ASSERT_EQ(dbsync_run(again, {"export", "--db", mock.url()}).code, 0);
  EXPECT_EQ(docs_of(again / "dbsync" / "pnl" / "00.jsonl"), docs_of(s.b / "dbsync" / "pnl" / "00.jsonl"));
}

TEST_F(MongoWire, NetworkErrorInTheMiddleOfAnImportRollsBack) {
  ImportSetup s = prepare_import(tmp_.path());
  // The connection drops when the update arrives, after the delete went through.
  MockMongod mock(tmp_.path() / "a", {"--data", s.data_a.string(), "--hangup", "update:1"});
  ASSERT_GT(mock.port(), 0);
  ASSERT_EQ(dbsync_run(s.a, {"export", "--db", mock.url()}).code, 0);
  std::string old_docs = docs_of(s.a / "dbsync" / "pnl" / "00.jsonl");
  copy_snapshot(s.b, s.a);
  mock.clear_log();
  auto r = dbsync_run(s.a, {"import", "--db", mock.url()});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("MongoDB at 'mongodb://127.0.0.1:"), std::string::npos) << r.err;
  auto log = mock.log();
  ASSERT_EQ(commands(log, "delete").size(), 1u);
  EXPECT_EQ(commands(log, "hangup").size(), 1u);
  // The rollback re-inserts the deleted document from its before-image.
  auto inserts = commands(log, "insert");
  ASSERT_EQ(inserts.size(), 1u);
  EXPECT_NE(inserts[0].find("{\"_id\": {\"$numberInt\": \"2\"}, \"v\": \"two\"}"), std::string::npos)
      << inserts[0];
  // No undo log is left behind, and the database holds the old data.
  EXPECT_FALSE(fs::exists(s.a / ".dbsync" / "mongodb-undo-app.jsonl"));
  fs::path again = tmp_.path() / "again";
  fs::create_directories(again);
  ASSERT_EQ(dbsync_run(again, {"export", "--db", mock.url()}).code, 0);
  EXPECT_EQ(docs_of(again / "dbsync" / "pnl" / "00.jsonl"), old_docs);
}

TEST_F(MongoWire, ADocumentTheApplicationChangesDuringImportIsNotOverwritten) {
  ImportSetup s = prepare_import(tmp_.path());
  // Document 1 changes just before the update that would overwrite it arrives.
  MockMongod mock(tmp_.path() / "a", {"--data", s.data_a.string(), "--touch", "update:1:pnl:1"});
  ASSERT_GT(mock.port(), 0);
  ASSERT_EQ(dbsync_run(s.a, {"export", "--db", mock.url()}).code, 0);
  copy_snapshot(s.b, s.a);
  auto r = dbsync_run(s.a, {"import", "--db", mock.url()});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("changed in the database while importing"), std::string::npos) << r.err;
  fs::path again = tmp_.path() / "again";
  fs::create_directories(again);
  ASSERT_EQ(dbsync_run(again, {"export", "--db", mock.url()}).code, 0);
  // The application's write stands, and the delete of 2 was rolled back.
  EXPECT_EQ(docs_of(again / "dbsync" / "pnl" / "00.jsonl"),
            "{\"d\":{\"_id\":1,\"touched\":true,\"v\":\"one\"}\n{\"d\":{\"_id\":2,\"v\":\"two\"}\n"
            "{\"d\":{\"_id\":3,\"v\":\"three\"}\n{\"d\":{\"_id\":4,\"v\":\"four\"}\n");
  // The next import skips the changed record and applies the rest.
  auto next = dbsync_run(s.a, {"import", "--db", mock.url()});
  EXPECT_EQ(next.code, 0) << next.out << next.err;
  fs::path third = tmp_.path() / "third";
  fs::create_directories(third);
  ASSERT_EQ(dbsync_run(third, {"export", "--db", mock.url()}).code, 0);
  EXPECT_EQ(docs_of(third / "dbsync" / "pnl" / "00.jsonl"),
            "{\"d\":{\"_id\":1,\"touched\":true,\"v\":\"one\"}\n{\"d\":{\"_id\":3,\"v\":\"three\"}\n"
            "{\"d\":{\"_id\":4,\"v\":\"four\"}\n{\"d\":{\"_id\":5,\"v\":\"five\"}\n");
}

// On a replica set the import is one transaction: every command of it
// carries the session and transaction number, the first starts the
// transaction with snapshot reads, and the import ends in commitTransaction
// (or abortTransaction when the connection drops). The mock does not model
// transactions, so the rollback itself is the server's and is not checked.
TEST_F(MongoWire, OnAReplicaSetAnImportIsOneTransaction) {
  ImportSetup s = prepare_import(tmp_.path());
  MockMongod mock(tmp_.path() / "a", {"--data", s.data_a.string(), "--replset"});
  ASSERT_GT(mock.port(), 0);
  std::string url = mock.url() + "&directConnection=true";
  ASSERT_EQ(dbsync_run(s.a, {"export", "--db", url}).code, 0);
  // The export reads at one snapshot.
  auto finds = commands(mock.log(), "find");
  ASSERT_EQ(finds.size(), 1u);
  EXPECT_NE(finds[0].find("\"readConcern\": {\"level\": \"snapshot\""), std::string::npos) << finds[0];
  copy_snapshot(s.b, s.a);
  mock.clear_log();
  auto r = dbsync_run(s.a, {"import", "--db", url});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto log = mock.log();
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].find("\"startTransaction\": true"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("\"readConcern\": {\"level\": \"snapshot\"}"), std::string::npos) << log[0];
  std::string lsid = log[0].substr(log[0].find("\"lsid\""), 70);
  for (const char* name : {"delete", "update", "insert"}) {
    auto cmds = commands(log, name);
    ASSERT_EQ(cmds.size(), 1u) << name;
    EXPECT_NE(cmds[0].find(lsid), std::string::npos) << cmds[0];
    EXPECT_NE(cmds[0].find("\"autocommit\": false"), std::string::npos) << cmds[0];
    EXPECT_EQ(cmds[0].find("startTransaction"), std::string::npos) << cmds[0];
  }
  auto commits = commands(log, "commitTransaction");
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_NE(commits[0].find("\"writeConcern\": {\"w\": \"majority\"}"), std::string::npos) << commits[0];
  EXPECT_TRUE(commands(log, "abortTransaction").empty());
  // No undo log: the server's transaction is the rollback.
  EXPECT_FALSE(fs::exists(s.a / ".dbsync" / "mongodb-undo-app.jsonl"));
}

TEST_F(MongoWire, OnAReplicaSetANetworkErrorAbortsTheTransaction) {
  ImportSetup s = prepare_import(tmp_.path());
  MockMongod mock(tmp_.path() / "a", {"--data", s.data_a.string(), "--replset", "--hangup", "update:1"});
  ASSERT_GT(mock.port(), 0);
  std::string url = mock.url() + "&directConnection=true";
  ASSERT_EQ(dbsync_run(s.a, {"export", "--db", url}).code, 0);
  copy_snapshot(s.b, s.a);
  mock.clear_log();
  auto r = dbsync_run(s.a, {"import", "--db", url});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  auto log = mock.log();
  EXPECT_TRUE(commands(log, "commitTransaction").empty());
  EXPECT_EQ(commands(log, "abortTransaction").size(), 1u);
  // The store does not undo by hand inside a transaction.
  EXPECT_TRUE(commands(log, "insert").empty());
}

// Server versions (from hello's maxWireVersion, the release from buildInfo):
// snapshot reads need MongoDB 5.0, creating a collection inside a
// transaction 4.4.
TEST_F(MongoWire, OnAReplicaSetBefore50TheExportReadsWithoutSnapshotReads) {
  fs::path data = write_data(tmp_.path(), "data.jsonl", {int_doc(1, "one"), int_doc(2, "two")});
  MockMongod mock(tmp_.path(), {"--data", data.string(), "--replset", "--wire", "9", "--version", "4.4.29"});
  ASSERT_GT(mock.port(), 0);
  fs::path repo = tmp_.path() / "repo";
  fs::create_directories(repo);
  auto r = dbsync_run(repo, {"export", "--db", mock.url() + "&directConnection=true"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(docs_of(repo / "dbsync" / "pnl" / "00.jsonl"),
            "{\"d\":{\"_id\":1,\"v\":\"one\"}\n{\"d\":{\"_id\":2,\"v\":\"two\"}\n");
  // A 4.4 server refuses snapshot reads: the collections are read as on a
  // standalone server, one find each.
  auto finds = commands(mock.log(), "find");
  ASSERT_EQ(finds.size(), 1u);
  EXPECT_EQ(finds[0].find("snapshot"), std::string::npos) << finds[0];
}

// A snapshot of collection pnl in a repository that has never seen the
// database (its first import creates the collection).
fs::path fresh_replica(const fs::path& dir) {
  fs::path data = write_data(dir, "src.jsonl", {int_doc(1, "one"), int_doc(2, "two")});
  fs::path src = dir / "src", repo = dir / "repo";
  fs::create_directories(src);
  fs::create_directories(repo);
  MockMongod mock(dir, {"--data", data.string()});
  EXPECT_GT(mock.port(), 0);
  EXPECT_EQ(dbsync_run(src, {"export", "--db", mock.url()}).code, 0);
  copy_snapshot(src, repo);
  return repo;
}

TEST_F(MongoWire, OnMongo42CreatingACollectionInATransactionIsRefused) {
  fs::path repo = fresh_replica(tmp_.path());
  MockMongod mock(tmp_.path() / "repo", {"--replset", "--wire", "8", "--version", "4.2.24"});
  ASSERT_GT(mock.port(), 0);
  auto r = dbsync_run(repo, {"import", "--db", mock.url() + "&directConnection=true"});
  EXPECT_EQ(r.code, 4) << r.out << r.err;
  EXPECT_NE(r.err.find("cannot create collection 'pnl' inside a transaction"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4.2.24"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("needs MongoDB 4.4 or later"), std::string::npos) << r.err;
  auto log = mock.log();
  EXPECT_TRUE(commands(log, "create").empty());
  EXPECT_TRUE(commands(log, "insert").empty());
  EXPECT_TRUE(commands(log, "commitTransaction").empty());
}

TEST_F(MongoWire, OnMongo44TheCollectionIsCreatedInsideTheTransaction) {
  fs::path repo = fresh_replica(tmp_.path());
  MockMongod mock(tmp_.path() / "repo", {"--replset", "--wire", "9", "--version", "4.4.29"});
  ASSERT_GT(mock.port(), 0);
  auto r = dbsync_run(repo, {"import", "--db", mock.url() + "&directConnection=true"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto log = mock.log();
  auto creates = commands(log, "create");
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_NE(creates[0].find("\"autocommit\": false"), std::string::npos) << creates[0];
  EXPECT_EQ(commands(log, "insert").size(), 1u);
  EXPECT_EQ(commands(log, "commitTransaction").size(), 1u);
}

TEST_F(MongoWire, AuthenticationFailureIsClearAndNeverShowsThePassword) {
  MockMongod mock(tmp_.path(), {"--auth-fail"});
  ASSERT_GT(mock.port(), 0);
  fs::path repo = tmp_.path() / "repo";
  fs::create_directories(repo);
  const std::string password = "s3cr3t-Pa55word";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"export", "--db", mock.url("alice:" + password + "@")},
           {"import", "--db", mock.url("alice:" + password + "@")},
       }) {
    auto r = dbsync_run(repo, args);
    EXPECT_EQ(r.code, 4) << args[0] << ": " << r.out << r.err;
    EXPECT_NE(r.err.find("authentication failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("alice:***@127.0.0.1"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(password), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;
  }
  auto log = mock.log();
  EXPECT_FALSE(commands(log, "saslStart").empty());
}

}  // namespace
}  // namespace dbsync
