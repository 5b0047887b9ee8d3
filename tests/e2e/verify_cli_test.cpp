// `dbsync verify DIR` end to end: the real binary on snapshots written to
// disk, each kind of damage, and the JSON output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <regex>

#include "json/parse.h"
#include "unit/snapshot_test_repo.h"

namespace dbsync {
namespace {

using testing::pnl_doc;
using testing::TestCollection;

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

CliRun run_dbsync(const std::string& args, const std::filesystem::path& scratch) {
  auto out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  std::string cmd = "NO_COLOR=1 '" + std::string(DBSYNC_BINARY) + "' " + args + " >'" + out.string() +
                    "' 2>'" + err.string() + "' </dev/null";
  int status = std::system(cmd.c_str());
  CliRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = testing::slurp(out);
  r.err = testing::slurp(err);
  return r;
}

std::vector<TestCollection> sample(std::string rev = std::string(testing::kTestRev)) {
  TestCollection pnl{"pnl_data", 4, {"id"}, {}, rev};
  for (int i = 1; i <= 300; ++i)
    pnl.docs.push_back(pnl_doc(i, std::to_string(i) + ".5", "trade " + std::to_string(i)));
  TestCollection users{"users", 1, {"name"}, {}, rev};
  for (int i = 0; i < 20; ++i) {
    users.docs.push_back("{\"age\":" + std::to_string(20 + i) + ",\"name\":\"u" + std::to_string(i) + "\"}");
  }
  return {pnl, users};
}

std::string root_of(const std::string& text) {
  std::smatch m;
  static const std::regex re("root hash: ([0-9a-f]{32})\n");
  return std::regex_search(text, m, re) ? m[1].str() : "";
}

class VerifyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = scratch_.path() / "repo";
    files_ = testing::write_snapshot(repo_, sample());
  }
  CliRun verify(const std::string& extra = "") {
    return run_dbsync("verify '" + repo_.string() + "'" + extra, scratch_.path());
  }

  // Replaces line `n` (1-based) of a shard file with `f(line)`.
  template <typename F>
  void edit_line(const std::string& label, size_t n, F f) {
    auto lines = files_.at(label);
    ASSERT_GE(lines.size(), n);
    lines[n - 1] = f(lines[n - 1]);
    std::string bytes;
    for (const auto& l : lines) bytes += l + "\n";
    testing::spit(repo_ / label, bytes);
  }

  void expect_bad(const std::string& where) {
    CliRun r = verify();
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("dbsync: error: " + where), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(r.out.find("snapshot OK"), std::string::npos);
  }

  testing::ScratchDir scratch_;
  std::filesystem::path repo_;
  std::map<std::string, std::vector<std::string>> files_;
  const std::string shard0_ = "dbsync/pnl_data/00.jsonl";
};

TEST_F(VerifyCli, GoodSnapshotPrintsCountsAndRootHash) {
  CliRun r = verify();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(std::regex_search(r.out, std::regex("pnl_data +300 +4 ")));
  EXPECT_TRUE(std::regex_search(r.out, std::regex("users +20 +1 ")));
  EXPECT_NE(r.out.find("total: 320 records in 2 collections"), std::string::npos) << r.out;
  EXPECT_NE(root_of(r.out), "");
  EXPECT_NE(r.out.find("snapshot OK"), std::string::npos);
}

TEST_F(VerifyCli, JsonOutputHasTheSameNumbers) {
  CliRun text = verify();
  CliRun js = verify(" --json");
  ASSERT_EQ(js.exit_code, 0) << js.err;
  std::string body = js.out;
  ASSERT_FALSE(body.empty());
  if (body.back() == '\n') body.pop_back();
  auto v = json::parse(body);
  ASSERT_TRUE(v.has_value()) << v.error().message << "\n" << js.out;
  EXPECT_TRUE(v->find("ok")->as_bool());
  EXPECT_EQ(v->find("records")->as_int(), 320);
  EXPECT_EQ(v->find("root_hash")->as_string(), root_of(text.out));
  const auto& cs = v->find("collections")->as_array();
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].find("name")->as_string(), "pnl_data");
  EXPECT_EQ(cs[0].find("records")->as_int(), 300);
  EXPECT_EQ(cs[0].find("shards")->as_int(), 4);
  EXPECT_EQ(cs[1].find("records")->as_int(), 20);
  EXPECT_EQ(cs[1].find("key")->as_array().at(0).as_string(), "name");
}

TEST_F(VerifyCli, RootHashFollowsDataNotRevsOrFileHistory) {
  std::string root = root_of(verify().out);
  auto other = scratch_.path() / "other";
  auto later = sample("2027-06-01T08:00:00.000Z-0003-laptop");
  std::reverse(later[0].docs.begin(), later[0].docs.end());
  testing::write_snapshot(other, later);
  CliRun same = run_dbsync("verify '" + other.string() + "'", scratch_.path());
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(root_of(same.out), root);

  auto changed = sample();
  changed[0].docs[41] = pnl_doc(42, "42.75", "trade 42");
  testing::write_snapshot(other, changed);
  // -C names the repository as for every command.
  CliRun diff = run_dbsync("verify -C '" + other.string() + "'", scratch_.path());
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(root_of(diff.out), root);
}

TEST_F(VerifyCli, WrongHash) {
  edit_line(shard0_, 3, [](std::string l) {
    size_t h = l.find("\"h\":\"") + 5;
    l[h] = l[h] == 'a' ? 'b' : 'a';
    return l;
  });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 3: field 'h': hash does not match the document");
}

TEST_F(VerifyCli, EditedValueWithoutNewHash) {
  edit_line(shard0_, 2, [](std::string l) { return std::regex_replace(l, std::regex("\\.5,"), ".75,"); });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 2: field 'h': hash does not match");
}

TEST_F(VerifyCli, UnsortedKeys) {
  auto lines = files_.at(shard0_);
  std::swap(lines[1], lines[2]);
  std::string bytes;
  for (const auto& l : lines) bytes += l + "\n";
  testing::spit(repo_ / shard0_, bytes);
  expect_bad("'dbsync/pnl_data/00.jsonl' line 3: key ");
  EXPECT_NE(verify().err.find("is out of order"), std::string::npos);
}

TEST_F(VerifyCli, DuplicateKey) {
  edit_line(shard0_, 2, [&](std::string) { return files_.at(shard0_)[0]; });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 2: duplicate key ");
}

TEST_F(VerifyCli, TruncatedLastLine) {
  std::string bytes = testing::slurp(repo_ / shard0_);
  testing::spit(repo_ / shard0_, bytes.substr(0, bytes.size() - 30));
  expect_bad("'dbsync/pnl_data/00.jsonl' line " + std::to_string(files_.at(shard0_).size()) +
             ": truncated last line");
}

TEST_F(VerifyCli, LeftoverConflictMarkers) {
  auto lines = files_.at(shard0_);
  std::string bytes =
      lines[0] + "\n<<<<<<< ours\n" + lines[1] + "\n=======\n" + lines[1] + "\n>>>>>>> theirs\n";
  testing::spit(repo_ / shard0_, bytes);
  expect_bad("'dbsync/pnl_data/00.jsonl' line 2: leftover git conflict marker '<<<<<<<'");
}

TEST_F(VerifyCli, MalformedRev) {
  edit_line(shard0_, 4, [](std::string l) { return l.substr(0, l.size() - 8) + "a/b\"}"; });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 4: field 'r': malformed rev");
}

TEST_F(VerifyCli, NonCanonicalDocument) {
  edit_line(shard0_, 1, [](std::string l) {
    std::string doc = l.substr(5, l.find(",\"h\":\"") - 5);
    std::string spaced = std::regex_replace(doc, std::regex(",\"note\""), ", \"note\"");
    return testing::make_line(spaced);
  });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 1: field 'd");
  EXPECT_NE(verify().err.find("white space outside strings is not canonical"), std::string::npos);
}

TEST_F(VerifyCli, InvalidUtf8) {
  edit_line(shard0_, 2, [](std::string l) {
    std::string doc = l.substr(5, l.find(",\"h\":\"") - 5);
    doc.replace(doc.find("trade"), 5,
                "tr\xc3\x28"
                "de");
    return testing::make_line(doc);
  });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 2: field 'd.note': at byte ");
  EXPECT_NE(verify().err.find("invalid UTF-8"), std::string::npos);
}

TEST_F(VerifyCli, RecordInTheWrongShard) {
  auto lines = files_.at(shard0_);
  std::string moved = files_.at("dbsync/pnl_data/01.jsonl")[0];
  std::string bytes;
  for (const auto& l : lines) bytes += l + "\n";
  testing::spit(repo_ / shard0_, bytes + moved + "\n");
  expect_bad("'dbsync/pnl_data/00.jsonl' line " + std::to_string(lines.size() + 1) + ": key ");
  EXPECT_NE(verify().err.find("belongs in shard 01.jsonl"), std::string::npos);
}

TEST_F(VerifyCli, NestingOverTheLimit) {
  edit_line(shard0_, 1, [](std::string) {
    std::string doc = "{\"id\":0,\"x\":" + std::string(120, '[') + std::string(120, ']') + "}";
    return testing::make_line(doc);
  });
  expect_bad("'dbsync/pnl_data/00.jsonl' line 1: field 'd.x");
  EXPECT_NE(verify().err.find("nesting deeper than the limit of 100"), std::string::npos);
}

TEST_F(VerifyCli, StrayShardFileAndBadCollectionFolder) {
  testing::spit(repo_ / "dbsync/pnl_data/0004.jsonl", "");
  CliRun r = verify();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("'dbsync/pnl_data/0004.jsonl' is not a shard of a 4-shard collection"),
            std::string::npos)
      << r.err;
  std::filesystem::remove(repo_ / "dbsync/pnl_data/0004.jsonl");
  std::filesystem::create_directories(repo_ / "dbsync" / "bad name");
  r = verify();
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("collection name 'bad name' is not a plain name"), std::string::npos) << r.err;
}

TEST_F(VerifyCli, ErrorsAsJson) {
  edit_line(shard0_, 3, [](std::string l) { return l + " "; });
  CliRun r = verify(" --json");
  EXPECT_EQ(r.exit_code, 3);
  std::string body = r.out;
  if (!body.empty() && body.back() == '\n') body.pop_back();
  auto v = json::parse(body);
  ASSERT_TRUE(v.has_value()) << r.out;
  EXPECT_FALSE(v->find("ok")->as_bool());
  EXPECT_EQ(v->find("error")->find("code")->as_int(), 3);
  EXPECT_NE(v->find("error")->find("message")->as_string().find("'dbsync/pnl_data/00.jsonl' line 3"),
            std::string::npos);
}

TEST_F(VerifyCli, NoSnapshotIsAUsageError) {
  auto empty = scratch_.path() / "empty";
  std::filesystem::create_directories(empty);
  CliRun r = run_dbsync("verify '" + empty.string() + "'", scratch_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no snapshot at"), std::string::npos) << r.err;
  r = run_dbsync("verify '" + (scratch_.path() / "does-not-exist").string() + "'", scratch_.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(VerifyCli, BadConfigIsAUsageErrorNamingLineAndKey) {
  testing::spit(repo_ / "dbsync.toml", "version = 1\n\n[collections.pnl_data]\nshards = 3\n");
  CliRun r = verify();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("dbsync.toml' line 4, key 'collections.pnl_data.shards'"), std::string::npos) << r.err;
}

TEST_F(VerifyCli, ExampleSnapshotVerifiesAsItsReadmeSays) {
  auto example = std::filesystem::path(DBSYNC_SOURCE_DIR) / "examples" / "pnl";
  ASSERT_TRUE(std::filesystem::exists(example / "dbsync.toml"));
  CliRun r = run_dbsync("verify '" + example.string() + "'", scratch_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("pnl_data +190 +1 "))) << r.out;
  std::string readme = testing::slurp(example / "README.md");
  EXPECT_NE(root_of(r.out), "");
  EXPECT_EQ(root_of(readme), root_of(r.out)) << "examples/pnl/README.md shows another root hash";
}

}  // namespace
}  // namespace dbsync
