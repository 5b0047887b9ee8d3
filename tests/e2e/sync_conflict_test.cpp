// A collection under policy `manual` end to end (DESIGN §3, §6; issue 5):
// two replicas change the same record differently, the second sync stops
// with exit 1 naming the record, `dbsync conflicts` lists it, `dbsync
// resolve` settles it (ours/theirs or a FILE; a bad FILE changes nothing),
// and the next syncs leave both databases identical with the decision.
#include <gtest/gtest.h>

#include <fstream>

#include "json/parse.h"
#include "sync_support.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace dbsync::e2e {
namespace {

class SyncConflictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_ = dir_.path() / "remote.git";
    must_run({"git", "init", "-q", "--bare", remote_.string()});
    a_ = std::make_unique<TestReplica>(dir_.path(), remote_, "a");
    std::ofstream(a_->dir() / "dbsync.toml", std::ios::app) << "\n[collections.items]\npolicy = \"manual\"\n";
    a_->exec("INSERT INTO items VALUES ('k1','a',1,'base'),('k2','a',5,'untouched')");
    a_->dbsync({"sync", "-q"});
    b_ = std::make_unique<TestReplica>(dir_.path(), remote_, "b");
    b_->dbsync({"sync", "-q"});
    // The conflict: both change k1's value and note; a syncs first.
    a_->exec("UPDATE items SET value = 2, note = 'from a' WHERE id = 'k1'");
    a_->dbsync({"sync", "-q"});
    b_->exec("UPDATE items SET value = 3, note = 'from b' WHERE id = 'k1'");
    stopped_ = b_->dbsync({"sync", "-q"}, 1);
  }

  std::string shard(TestReplica& r) {
    auto bytes = read_file(r.dir() / "dbsync" / "items" / "00.jsonl");
    return bytes ? *bytes : std::string("(unreadable)");
  }
  std::string unmerged(TestReplica& r) {
    return must_run({"git", "-C", r.dir().string(), "diff", "--name-only", "--diff-filter=U"}).out;
  }
  json::Value conflicts_json(TestReplica& r) {
    auto out = r.dbsync({"conflicts", "--json"});
    auto v = json::parse(std::string_view(out.out).substr(0, out.out.find('\n')));
    EXPECT_TRUE(v.has_value()) << out.out;
    return v ? *v : json::Value();
  }
  size_t waiting(TestReplica& r) {
    json::Value v = conflicts_json(r);
    const json::Value* list = v.find("conflicts");
    return list != nullptr && list->is_array() ? list->as_array().size() : 999;
  }
  bool merge_in_progress(TestReplica& r) {
    auto res = run_process({"git", "-C", r.dir().string(), "rev-parse", "-q", "--verify", "MERGE_HEAD"});
    return res && res->exit_code == 0;
  }
  // After a decision: both replicas sync and end identical with `want` for k1.
  void expect_converged_on(const std::string& want) {
    b_->dbsync({"sync", "-q"});
    // a makes an unrelated change first, so its sync merges for real.
    a_->exec("INSERT INTO items VALUES ('k3','a',7,'later')");
    a_->dbsync({"sync", "-q"});
    b_->dbsync({"sync", "-q"});
    EXPECT_FALSE(merge_in_progress(*b_));
    EXPECT_EQ(b_->rows().at("k1"), want);
    EXPECT_EQ(a_->rows(), b_->rows());
    EXPECT_EQ(a_->rows().size(), 3u);
    EXPECT_EQ(a_->rows().at("k2"), "a|5|untouched");
    EXPECT_EQ(a_->root_hash(), b_->root_hash());
    EXPECT_EQ(waiting(*a_), 0u);
    EXPECT_EQ(waiting(*b_), 0u);
    EXPECT_NE(a_->dbsync({"conflicts"}).out.find("no conflicts wait"), std::string::npos);
  }

  TempDir dir_;
  fs::path remote_;
  std::unique_ptr<TestReplica> a_, b_;
  ProcessResult stopped_;
};

TEST_F(SyncConflictTest, SyncStopsWithExit1AndNamesTheRecord) {
  EXPECT_NE(stopped_.err.find("items [\"k1\"]"), std::string::npos) << stopped_.err;
  EXPECT_NE(stopped_.err.find("dbsync conflicts"), std::string::npos) << stopped_.err;
  EXPECT_TRUE(merge_in_progress(*b_));
  EXPECT_EQ(unmerged(*b_), "dbsync/items/00.jsonl\n");
  // Nothing is applied until the conflict is settled: b's database keeps its own edit.
  EXPECT_EQ(b_->rows().at("k1"), "a|3|from b");
  // Running sync again does not conclude the merge behind the user's back.
  auto again = b_->dbsync({"sync", "-q"}, 1);
  EXPECT_NE(again.err.find("dbsync resolve"), std::string::npos) << again.err;
  EXPECT_TRUE(merge_in_progress(*b_));
}

TEST_F(SyncConflictTest, ConflictsListsFieldsWithOursTheirsBaseAndTheProvisionalValue) {
  auto text = b_->dbsync({"conflicts"}).out;
  EXPECT_NE(text.find("1 record waits for your decision"), std::string::npos) << text;
  EXPECT_NE(text.find("items [\"k1\"]  (dbsync/items/00.jsonl)"), std::string::npos) << text;
  // b's edit is the later one, so the provisional (`newer`) value is ours.
  EXPECT_NE(text.find("value: base 1, ours 3, theirs 2; the shard holds 3 (ours) for now"), std::string::npos)
      << text;
  EXPECT_NE(text.find("note: base \"base\", ours \"from b\", theirs \"from a\""), std::string::npos) << text;

  json::Value v = conflicts_json(*b_);
  const json::Value* list = v.find("conflicts");
  ASSERT_TRUE(list != nullptr && list->is_array());
  ASSERT_EQ(list->as_array().size(), 1u);
  const json::Value& c = list->as_array()[0];
  EXPECT_EQ(c.find("collection")->as_string(), "items");
  EXPECT_EQ(c.find("key_encoding")->as_string(), "[\"k1\"]");
  EXPECT_TRUE(c.find("current")->as_bool());
  EXPECT_EQ(c.find("fields")->as_array().size(), 2u);
  EXPECT_EQ(*c.find("theirs")->find("d")->find("value"), json::Value(2));
  EXPECT_EQ(*c.find("ours")->find("d")->find("value"), json::Value(3));
  EXPECT_EQ(*c.find("provisional")->find("d")->find("value"), json::Value(3));
  EXPECT_EQ(v.find("stale")->as_array().size(), 0u);
  // The replica that merged nothing has nothing waiting.
  EXPECT_EQ(waiting(*a_), 0u);
}

TEST_F(SyncConflictTest, ResolveTakeTheirsThenSyncConvergesOnTheirValue) {
  auto r = b_->dbsync({"resolve", "k1", "--take", "theirs"});
  EXPECT_NE(r.out.find("resolved items [\"k1\"]: took theirs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("next: 'dbsync sync'"), std::string::npos) << r.out;
  EXPECT_EQ(unmerged(*b_), "") << "the settled shard is staged";
  EXPECT_EQ(waiting(*b_), 0u);
  expect_converged_on("a|2|from a");
}

TEST_F(SyncConflictTest, ResolveTakeOursByKeyEncodingKeepsTheLocalValue) {
  // Ours is also the provisional value: the decision still gets a new rev
  // and travels to the other replica, which had never seen it.
  std::string before = shard(*b_);
  b_->dbsync({"resolve", "[\"k1\"]", "--take", "ours", "--collection", "items"});
  EXPECT_NE(shard(*b_), before) << "the decision carries a new rev";
  expect_converged_on("a|3|from b");
}

TEST_F(SyncConflictTest, ABadFileExitsWith3NamingFileLineAndFieldAndChangesNothing) {
  std::string shard_before = shard(*b_);
  fs::path bad_json = dir_.path() / "bad.json";
  std::ofstream(bad_json) << "{\n  \"id\": \"k1\",\n  \"value\": 4,,\n  \"note\": \"x\"\n}\n";
  auto r = b_->dbsync({"resolve", "k1", "--take", bad_json.string()}, 3);
  EXPECT_NE(r.err.find("'" + bad_json.string() + "' line 3"), std::string::npos) << r.err;

  fs::path wrong_key = dir_.path() / "wrong_key.json";
  std::ofstream(wrong_key) << "{\n  \"note\": \"x\",\n  \"id\": \"k9\",\n  \"value\": 4\n}\n";
  r = b_->dbsync({"resolve", "k1", "--take", wrong_key.string()}, 3);
  EXPECT_NE(r.err.find("'" + wrong_key.string() + "' line 3, field 'id'"), std::string::npos) << r.err;

  fs::path not_object = dir_.path() / "array.json";
  std::ofstream(not_object) << "[1, 2]\n";
  r = b_->dbsync({"resolve", "k1", "--take", not_object.string()}, 3);
  EXPECT_NE(r.err.find("must be a JSON object"), std::string::npos) << r.err;

  EXPECT_EQ(shard(*b_), shard_before);
  EXPECT_EQ(waiting(*b_), 1u);
  EXPECT_EQ(unmerged(*b_), "dbsync/items/00.jsonl\n");
  b_->dbsync({"sync", "-q"}, 1);
}

TEST_F(SyncConflictTest, ResolveWithAFileThenSyncConvergesOnTheFilesRecord) {
  fs::path decided = dir_.path() / "decided.json";
  std::ofstream(decided) << "{\"id\": \"k1\", \"owner\": \"both\", \"value\": 42, \"note\": \"decided\"}\n";
  auto r = b_->dbsync({"resolve", "k1", "--take", decided.string(), "--json"});
  auto v = json::parse(std::string_view(r.out).substr(0, r.out.find('\n')));
  ASSERT_TRUE(v.has_value()) << r.out;
  EXPECT_TRUE(v->find("staged")->as_bool());
  EXPECT_EQ(v->find("remaining")->as_int(), 0);
  // The new rev comes from b's clock and orders after both sides' revs.
  json::Value c = conflicts_json(*b_);
  EXPECT_EQ(c.find("conflicts")->as_array().size(), 0u);
  expect_converged_on("both|42|decided");
}

TEST_F(SyncConflictTest, UnknownKeyIsAUsageErrorAndAStaleEntryIsFlaggedThenPruned) {
  auto r = b_->dbsync({"resolve", "nope", "--take", "ours"}, 2);
  EXPECT_NE(r.err.find("no conflict waits for key nope"), std::string::npos) << r.err;
  // Aborting the merge leaves the conflict file behind, stale.
  must_run({"git", "-C", b_->dir().string(), "merge", "--abort"});
  auto text = b_->dbsync({"conflicts"}).out;
  EXPECT_NE(text.find("no conflicts wait"), std::string::npos) << text;
  EXPECT_NE(text.find("1 stale entry"), std::string::npos) << text;
  r = b_->dbsync({"resolve", "k1", "--take", "ours"}, 1);
  EXPECT_NE(r.err.find("stale"), std::string::npos) << r.err;
  EXPECT_NE(b_->dbsync({"conflicts", "--prune"}).out.find("removed 1 stale entry"), std::string::npos);
  EXPECT_EQ(conflicts_json(*b_).find("stale")->as_array().size(), 0u);
}

// Rule 7 under `manual`: the duplicates pass runs after git has committed
// the merge, so its conflict leaves no unmerged path; it must still hold
// the replica as a driver's conflict does: listed by `dbsync conflicts`,
// nothing imported, and every later sync stopped until `dbsync resolve`.
TEST(SyncDuplicateConflict, AManualDuplicateHoldsEverySyncUntilResolved) {
  TempDir dir;
  fs::path remote = dir.path() / "remote.git";
  must_run({"git", "init", "-q", "--bare", remote.string()});
  TestReplica a(dir.path(), remote, "a");
  std::ofstream(a.dir() / "dbsync.toml", std::ios::app)
      << "\n[collections.items]\npolicy = \"manual\"\nunique = [[\"owner\", \"note\"]]\n";
  a.exec("INSERT INTO items VALUES ('k0','a',0,'base')");
  a.dbsync({"sync", "-q"});
  TestReplica b(dir.path(), remote, "b");
  b.dbsync({"sync", "-q"});
  // The same natural record under two keys, with different values.
  a.exec("INSERT INTO items VALUES ('x1','u',1,'same')");
  a.dbsync({"sync", "-q"});
  b.exec("INSERT INTO items VALUES ('x2','u',2,'same')");
  auto stopped = b.dbsync({"sync", "-q"}, 1);
  EXPECT_NE(stopped.err.find("dbsync conflicts"), std::string::npos) << stopped.err;

  auto listed = [&](TestReplica& r) {
    auto out = r.dbsync({"conflicts", "--json"});
    auto v = json::parse(std::string_view(out.out).substr(0, out.out.find('\n')));
    EXPECT_TRUE(v.has_value()) << out.out;
    return v ? *v->find("conflicts") : json::Value();
  };
  json::Value waiting = listed(b);
  ASSERT_TRUE(waiting.is_array());
  ASSERT_EQ(waiting.as_array().size(), 1u);
  const json::Value& c = waiting.as_array()[0];
  EXPECT_EQ(c.find("kind")->as_string(), "duplicate");
  std::string key = c.find("key_encoding")->as_string();
  json::Value theirs_value = *c.find("theirs")->find("d")->find("value");
  EXPECT_NE(stopped.err.find("items " + key), std::string::npos) << stopped.err;

  // Nothing is imported while it waits, however often sync runs.
  const std::map<std::string, std::string> before{{"k0", "a|0|base"}, {"x2", "u|2|same"}};
  EXPECT_EQ(b.rows(), before);
  auto again = b.dbsync({"sync", "-q"}, 1);
  EXPECT_NE(again.err.find("dbsync resolve"), std::string::npos) << again.err;
  EXPECT_EQ(b.rows(), before);
  EXPECT_EQ(listed(b).as_array().size(), 1u);

  auto resolved = b.dbsync({"resolve", key, "--take", "theirs"});
  EXPECT_NE(resolved.out.find("took theirs"), std::string::npos) << resolved.out;
  EXPECT_EQ(listed(b).as_array().size(), 0u);
  b.dbsync({"sync", "-q"});
  a.dbsync({"sync", "-q"});
  b.dbsync({"sync", "-q"});
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.rows().size(), 2u) << "one survivor of the two duplicates";
  EXPECT_EQ(a.root_hash(), b.root_hash());
  std::string survivor = json::parse(key)->as_array().at(0).as_string();
  EXPECT_EQ(b.rows().at(survivor), "u|" + std::to_string(theirs_value.as_int()) + "|same");
}

}  // namespace
}  // namespace dbsync::e2e
