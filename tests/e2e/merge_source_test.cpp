// dbsync merge SOURCE end to end (issue 4; sync/merge_source.h): another
// replica's snapshot folder carried over by hand, the original tool's JSON
// exports and mongoexport lines, merged into an SQLite replica with the real
// binary — what reaches the database, what must never (a stale copy rolling
// a record back, a record the source lacks being deleted), and bad input
// refused with file and line, the database untouched.
#include <gtest/gtest.h>

#include <fstream>

#include "json/parse.h"
#include "sync_support.h"
#include "test_support/temp_dir.h"

namespace dbsync::e2e {
namespace {

class MergeSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_ = dir_.path() / "remote.git";
    must_run({"git", "init", "-q", "--bare", remote_.string()});
  }
  std::unique_ptr<TestReplica> replica(const std::string& name) {
    return std::make_unique<TestReplica>(dir_.path(), remote_, name);
  }
  fs::path write(const std::string& name, const std::string& text) {
    fs::path p = dir_.path() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  static json::Value parse_json(const std::string& out) {
    auto v = json::parse(std::string_view(out).substr(0, out.find('\n')));
    EXPECT_TRUE(v.has_value()) << out;
    return v ? *v : json::Value();
  }
  static int64_t number(const json::Value& v, const char* field) {
    const json::Value* f = v.find(field);
    EXPECT_NE(f, nullptr) << field;
    return f ? f->as_int() : -1;
  }

  TempDir dir_;
  fs::path remote_;
};

TEST_F(MergeSourceTest, AnotherReplicasSnapshotFolderBringsItsChangesButNotItsDeletes) {
  auto a = replica("a");
  auto b = replica("b");
  a->exec("INSERT INTO items VALUES ('r1','a',1,'x'),('r2','a',2,'x'),('r3','a',3,'x')");
  a->dbsync({"sync", "-q"});
  b->dbsync({"sync", "-q"});
  a->dbsync({"sync", "-q"});
  // B works offline: updates r1, adds r4, deletes r3; A meanwhile edits r2.
  b->exec("UPDATE items SET value = 10 WHERE id = 'r1'");
  b->exec("INSERT INTO items VALUES ('r4','b',4,'y')");
  b->exec("DELETE FROM items WHERE id = 'r3'");
  b->dbsync({"export"});
  a->exec("UPDATE items SET note = 'edited on a' WHERE id = 'r2'");

  auto r = a->dbsync({"merge", b->dir().string(), "--json"});
  json::Value v = parse_json(r.out);
  EXPECT_EQ(v.find("source_kind")->as_string(), "snapshot");
  EXPECT_FALSE(v.find("base_commit")->as_string().empty()) << "HEAD is the base";
  auto rows = a->rows();
  EXPECT_EQ(rows.at("r1"), "a|10|x") << "B's update arrives";
  EXPECT_EQ(rows.at("r4"), "b|4|y") << "B's insert arrives";
  EXPECT_EQ(rows.at("r2"), "a|2|edited on a") << "A's own edit stays";
  EXPECT_EQ(rows.count("r3"), 1u) << "a record the source lacks is never deleted by merge";

  // The merged records then travel through git like any other change.
  a->dbsync({"sync", "-q"});
  b->dbsync({"sync", "-q"});
  a->dbsync({"sync", "-q"});
  EXPECT_EQ(a->rows(), b->rows());
  EXPECT_EQ(a->root_hash(), b->root_hash());
}

TEST_F(MergeSourceTest, AStaleCopyNeverRollsARecordBack) {
  auto a = replica("a");
  auto b = replica("b");
  a->exec("INSERT INTO items VALUES ('r1','a',1,'old')");
  a->dbsync({"sync", "-q"});
  b->dbsync({"sync", "-q"});
  fs::path stale = dir_.path() / "stale-copy";
  fs::create_directories(stale);
  fs::copy(b->dir() / "dbsync", stale / "dbsync", fs::copy_options::recursive);
  // A's record moves on and is synced: HEAD now holds the newer version.
  a->exec("UPDATE items SET note = 'new' WHERE id = 'r1'");
  a->dbsync({"sync", "-q"});

  auto r = a->dbsync({"merge", (stale / "dbsync").string(), "--json"});
  json::Value v = parse_json(r.out);
  EXPECT_EQ(number(v, "stale_ignored"), 1);
  EXPECT_EQ(a->rows().at("r1"), "a|1|new");
}

TEST_F(MergeSourceTest, TheOriginalToolsJsonArrayExportMergesIn) {
  auto a = replica("a");
  a->exec("INSERT INTO items VALUES ('r1','a',1,'x'),('r2','a',2,'x')");
  a->dbsync({"sync", "-q"});
  fs::path file = write("items.json",
                        "[\n"
                        "  {\"id\": \"r1\", \"owner\": \"a\", \"value\": 1, \"note\": \"x\"},\n"
                        "  {\"id\": \"r2\", \"owner\": \"a\", \"value\": 20, \"note\": \"x\"},\n"
                        "  {\"id\": \"r5\", \"owner\": \"old\", \"value\": 5, \"note\": null},\n"
                        "  {\"id\": \"r5\", \"owner\": \"old\", \"value\": 5, \"note\": null}\n"
                        "]\n");
  auto r = a->dbsync({"merge", file.string(), "--json"});
  json::Value v = parse_json(r.out);
  EXPECT_EQ(v.find("source_kind")->as_string(), "array");
  EXPECT_EQ(number(v, "source_records"), 3);
  EXPECT_EQ(number(v, "identical_duplicates"), 1);
  auto rows = a->rows();
  EXPECT_EQ(rows.at("r2"), "a|20|x");
  EXPECT_EQ(rows.at("r5"), "old|5|NULL");
  EXPECT_EQ(rows.size(), 3u);
  EXPECT_TRUE(fs::exists(v.find("report_path")->as_string()));
}

TEST_F(MergeSourceTest, TheLegacyMergeFlagAndTheCollectionsFormWork) {
  auto a = replica("a");
  a->exec("INSERT INTO items VALUES ('r1','a',1,'x')");
  a->dbsync({"sync", "-q"});
  fs::path file = write("backup.json",
                        R"({"items": [{"id": "r7", "owner": "c", "value": 7, "note": "from the old tool"}],)"
                        "\n"
                        R"( "extras": [{"_id": "e1", "label": "a new collection keyed by _id"}]})");
  a->dbsync({"--merge", file.string()});
  EXPECT_EQ(a->rows().at("r7"), "c|7|from the old tool");
  a->dbsync({"verify"});
  EXPECT_TRUE(fs::exists(a->dir() / "dbsync" / "extras"));
}

// DESIGN §6: `dbsync import --from FILE` takes the same files as merge, and
// the original tool's `--import FILE` maps to it. It merges, never replaces:
// a record the file lacks stays (a replace would publish its delete to every
// replica at the next sync).
TEST_F(MergeSourceTest, ImportFromAFileMergesItInAndNeverDeletes) {
  auto a = replica("a");
  a->exec("INSERT INTO items VALUES ('r1','a',1,'x'),('r2','a',2,'x')");
  a->dbsync({"sync", "-q"});
  fs::path file = write("export.ndjson",
                        "{\"id\":\"r2\",\"owner\":\"a\",\"value\":22,\"note\":\"x\"}\n"
                        "{\"id\":\"r3\",\"owner\":\"old\",\"value\":3,\"note\":\"y\"}\n");
  auto r = a->dbsync({"import", "--from", file.string(), "--collection", "items", "--json"});
  json::Value v = parse_json(r.out);
  EXPECT_EQ(v.find("source_kind")->as_string(), "ndjson");
  EXPECT_EQ(number(v.find("imported") ? *v.find("imported") : v, "inserted"), 1);
  auto rows = a->rows();
  EXPECT_EQ(rows.at("r1"), "a|1|x");
  EXPECT_EQ(rows.at("r2"), "a|22|x");
  EXPECT_EQ(rows.at("r3"), "old|3|y");

  fs::path items = write("items.json", R"([{"id": "r4", "owner": "legacy", "value": 4, "note": "z"}])");
  a->dbsync({"--import", items.string()});
  EXPECT_EQ(a->rows().at("r4"), "legacy|4|z");
  EXPECT_EQ(a->rows().size(), 4u);
  a->dbsync({"verify"});

  auto usage = a->dbsync({"import", "--collection", "items"}, 2);
  EXPECT_NE(usage.err.find("--from"), std::string::npos) << usage.err;
}

TEST_F(MergeSourceTest, MongoexportLinesMergeIntoANamedCollection) {
  auto a = replica("a");
  a->dbsync({"sync", "-q"});
  fs::path file = write("dump.ndjson",
                        "{\"id\":\"m1\",\"owner\":\"mongo\",\"value\":1,\"note\":\"one\"}\r\n"
                        "\n"
                        "{\"id\":\"m2\",\"owner\":\"mongo\",\"value\":2,\"note\":\"two\"}\n");
  a->dbsync({"merge", file.string(), "--collection", "items"});
  auto rows = a->rows();
  EXPECT_EQ(rows.at("m1"), "mongo|1|one");
  EXPECT_EQ(rows.at("m2"), "mongo|2|two");
}

TEST_F(MergeSourceTest, BadInputIsRefusedWithFileAndLineAndChangesNothing) {
  auto a = replica("a");
  a->exec("INSERT INTO items VALUES ('r1','a',1,'x')");
  a->dbsync({"sync", "-q"});
  auto before = a->rows();
  auto snapshot_before = a->root_hash();
  struct Case {
    std::string text, expect;
  };
  for (const Case& c : std::vector<Case>{
           {"[\n{\"id\": \"r1\", \"value\": 2},\n{\"id\": \"r9\", \"value\": 3 \"note\": 1}\n]", "line 3"},
           {"[\n{\"id\": \"r8\"},\n{\"id\": \"r8\", \"value\": 4}\n]", "line 3: key [\"r8\"] appears again"},
           {"[\n{\"value\": 4}\n]", "line 2"},
           {"[\n\"r1\"\n]", "line 2: a document must be a JSON object"},
           {"[{\"id\": \"r2\", \"note\": \"\xff\"}]", "line 1"},
       }) {
    fs::path file = write("items.json", c.text);
    auto r = a->dbsync({"merge", file.string()}, 3);
    EXPECT_NE(r.err.find("items.json' " + c.expect), std::string::npos) << r.err;
    EXPECT_EQ(a->rows(), before);
  }
  EXPECT_EQ(a->root_hash(), snapshot_before);
}

TEST_F(MergeSourceTest, UsageErrorsSayWhatToDo) {
  auto a = replica("a");
  a->dbsync({"sync", "-q"});
  auto r = a->dbsync({"merge", (dir_.path() / "nowhere.json").string()}, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  fs::create_directories(dir_.path() / "empty");
  r = a->dbsync({"merge", (dir_.path() / "empty").string()}, 2);
  EXPECT_NE(r.err.find("holds no snapshot"), std::string::npos) << r.err;
  fs::path file = write("things.json", "[{\"name\": \"no key here\"}]");
  r = a->dbsync({"merge", file.string()}, 2);
  EXPECT_NE(r.err.find("key = [\"id\"]"), std::string::npos) << r.err;
  r = a->dbsync({"merge", a->dir().string()}, 2);
  EXPECT_NE(r.err.find("own snapshot"), std::string::npos) << r.err;
}

TEST_F(MergeSourceTest, AManualConflictStopsBeforeTheDatabaseChanges) {
  auto a = replica("a");
  {
    std::ofstream toml(a->dir() / "dbsync.toml", std::ios::app);
    toml << "\n[collections.items]\npolicy = \"manual\"\n";
  }
  a->exec("INSERT INTO items VALUES ('r1','a',1,'x')");
  a->dbsync({"sync", "-q"});
  auto b = replica("b");  // clones the configuration A pushed
  b->dbsync({"sync", "-q"});
  a->exec("UPDATE items SET value = 100 WHERE id = 'r1'");
  b->exec("UPDATE items SET value = 200 WHERE id = 'r1'");
  b->dbsync({"export"});
  auto r = a->dbsync({"merge", b->dir().string()}, 1);
  EXPECT_NE(r.err.find("dbsync conflicts"), std::string::npos) << r.err;
  EXPECT_EQ(a->rows().at("r1"), "a|100|x") << "nothing is applied until the conflict is settled";
  EXPECT_TRUE(fs::exists(a->dir() / ".dbsync" / "conflicts" / "items"));
}

}  // namespace
}  // namespace dbsync::e2e
