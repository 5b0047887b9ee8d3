// The merge driver under a real `git merge` in a temp repository: clean
// merges of concurrent edits, a criss-cross merge (two merge bases, so git
// first merges the bases through the driver), manual conflicts (exit 1, a
// valid provisional shard, a conflict file), and a corrupt shard (exit 130,
// no conflict markers, ours kept).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "merge/conflict_files.h"
#include "property/merge_test_util.h"
#include "report/driver_log.h"
#include "snapshot/record_line.h"
#include "snapshot/shard_reader.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using testing::rev;

struct Ran {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs a command line (test-made, no untrusted input) and captures its output.
Ran sh(const std::string& cmd) {
  Ran r;
  std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string pnl(int id, const std::string& user, int profit) {
  return R"({"id":)" + std::to_string(id) + R"(,"profit":)" + std::to_string(profit) + R"(,"user":")" + user +
         "\"}";
}

class MergeDriverGit : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    ::setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
    ::setenv("GIT_AUTHOR_NAME", "test", 1);
    ::setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
    ::setenv("GIT_COMMITTER_NAME", "test", 1);
    ::setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
    git("init -q -b main");
    git(std::string("config merge.dbsync.driver \"") + DBSYNC_BINARY + " merge-driver %O %A %B %P\"");
    git("config merge.dbsync.name dbsync");
    testing::write(repo() / ".gitattributes", "dbsync/**/*.jsonl merge=dbsync\n");
    testing::write(repo() / ".gitignore", ".dbsync/\n");
  }

  fs::path repo() const { return tmp_.path(); }
  fs::path shard_file() const { return repo() / "dbsync" / "pnl" / "00.jsonl"; }

  Ran git(const std::string& args, bool expect_ok = true) {
    Ran r = sh("git -C '" + repo().string() + "' " + args);
    if (expect_ok) {
      EXPECT_EQ(r.status, 0) << "git " << args << "\n" << r.output;
    }
    return r;
  }

  void config(const std::string& extra = "") {
    testing::write(repo() / "dbsync.toml", "version = 1\n[collections.pnl]\nkey = [\"id\"]\n" + extra);
    testing::write(repo() / "dbsync" / "pnl" / "schema.json", "{\"key\":[\"id\"]}\n");
  }

  void commit(const std::vector<testing::Rec>& recs, const std::string& msg) {
    testing::write(shard_file(), testing::shard(recs));
    git("add -A");
    git("commit -q -m '" + msg + "'");
  }

  testing::TempDir tmp_;
};

void expect_valid_shard(const std::string& bytes) {
  EXPECT_EQ(bytes.find("<<<<<<<"), std::string::npos);
  ShardReader reader = ShardReader::from_bytes(bytes, "merged", ShardSpec{{"id"}, 0, 1, false});
  for (;;) {
    auto more = reader.next();
    ASSERT_TRUE(more.has_value()) << more.error().message;
    if (!*more) break;
  }
}

TEST_F(MergeDriverGit, ConcurrentEditsMergeRecordByRecord) {
  config();
  commit({{pnl(1, "a", 10), rev(1)}, {pnl(2, "b", 20), rev(1)}, {pnl(3, "c", 30), rev(1)}}, "base");
  git("checkout -q -b other");
  commit({{pnl(1, "a", 10), rev(1)},
          {pnl(2, "b", 25), rev(3, "asset2")},
          {pnl(3, "c", 30), rev(1)},
          {pnl(5, "e", 50), rev(3, "asset2")}},
         "other: edit 2, add 5");
  git("checkout -q main");
  commit({{pnl(1, "a", 11), rev(2, "asset1")},
          {pnl(2, "b", 22), rev(2, "asset1")},
          {pnl(4, "d", 40), rev(2, "asset1")}},
         "main: edit 1 and 2, delete 3, add 4");
  Ran m = git("merge -q --no-edit other");
  ASSERT_EQ(m.status, 0) << m.output;
  std::string merged = testing::slurp(shard_file());
  expect_valid_shard(merged);
  EXPECT_EQ(merged,
            testing::shard({{pnl(1, "a", 11), rev(2, "asset1")},
                            {pnl(2, "b", 25), rev(3, "asset2")},  // both changed profit: newer rev wins
                            {pnl(4, "d", 40), rev(2, "asset1")},
                            {pnl(5, "e", 50), rev(3, "asset2")}}));
  EXPECT_EQ(git("status --porcelain").output, "");

  auto records = collect_driver_records(repo());
  ASSERT_TRUE(records.has_value()) << records.error().message;
  ASSERT_EQ(records->report.collections.size(), 1u);
  const CollectionReport& c = records->report.collections[0];
  EXPECT_EQ(c.name, "pnl");
  EXPECT_EQ(c.counts.local_only, 1u);   // 4
  EXPECT_EQ(c.counts.remote_only, 2u);  // 3 (deleted here) and 5
  EXPECT_EQ(c.counts.common, 2u);       // 1 and 2
  EXPECT_EQ(c.counts.deleted, 1u);      // 3: deleted here, unchanged there
  EXPECT_EQ(c.counts.total, 4u);
  ASSERT_EQ(c.conflicts.size(), 1u);
  EXPECT_EQ(c.conflicts[0].key, "[2]");
  EXPECT_EQ(c.conflicts[0].field_label(), "profit");
}

TEST_F(MergeDriverGit, CrissCrossMergeWithTwoMergeBases) {
  config();
  commit({{pnl(1, "a", 0), rev(1)},
          {pnl(2, "b", 0), rev(1)},
          {pnl(3, "c", 0), rev(1)},
          {pnl(4, "d", 0), rev(1)}},
         "base");
  git("checkout -q -b y");
  commit({{pnl(1, "a", 0), rev(1)},
          {pnl(2, "b", 2), rev(3, "y")},
          {pnl(3, "c", 0), rev(1)},
          {pnl(4, "d", 0), rev(1)}},
         "y1");
  git("checkout -q main");
  commit({{pnl(1, "a", 1), rev(2, "x")},
          {pnl(2, "b", 0), rev(1)},
          {pnl(3, "c", 0), rev(1)},
          {pnl(4, "d", 0), rev(1)}},
         "x1");
  std::string x1 = git("rev-parse HEAD").output;
  std::string y1 = git("rev-parse y").output;
  // Each side merges the other's first commit: the criss-cross.
  ASSERT_EQ(git("merge -q --no-edit y").status, 0);
  git("checkout -q y");
  ASSERT_EQ(git("merge -q --no-edit " + x1.substr(0, 40)).status, 0);
  // Then both edit again, one of them the same field differently.
  commit({{pnl(1, "a", 1), rev(2, "x")},
          {pnl(2, "b", 2), rev(3, "y")},
          {pnl(3, "c", 33), rev(6, "y")},
          {pnl(4, "d", 44), rev(6, "y")}},
         "y2");
  git("checkout -q main");
  commit({{pnl(1, "a", 1), rev(2, "x")},
          {pnl(2, "b", 2), rev(3, "y")},
          {pnl(3, "c", 3), rev(5, "x")},
          {pnl(4, "d", 0), rev(1)}},
         "x2");
  Ran bases = git("merge-base --all main y");
  EXPECT_EQ(std::count(bases.output.begin(), bases.output.end(), '\n'), 2) << bases.output;
  auto runs = [&] {
    auto r = collect_driver_records(repo());
    return r ? r->files.size() : 0;
  };
  size_t before = runs();
  Ran m = git("merge -q --no-edit y");
  ASSERT_EQ(m.status, 0) << m.output;
  // Two driver runs: the virtual base (x1 merged with y1), then the merge.
  EXPECT_EQ(runs(), before + 2);
  std::string merged = testing::slurp(shard_file());
  expect_valid_shard(merged);
  EXPECT_EQ(merged, testing::shard({{pnl(1, "a", 1), rev(2, "x")},
                                    {pnl(2, "b", 2), rev(3, "y")},
                                    {pnl(3, "c", 33), rev(6, "y")},  // both changed: y's rev is newer
                                    {pnl(4, "d", 44), rev(6, "y")}}));
  // The other direction gives the same bytes.
  git("checkout -q y");
  ASSERT_EQ(git("merge -q --no-edit main").status, 0);
  EXPECT_EQ(testing::slurp(shard_file()), merged);
}

TEST_F(MergeDriverGit, ManualConflictExitsOneWithAProvisionalShardAndAConflictFile) {
  config("policy = \"manual\"\n");
  commit({{pnl(1, "a", 10), rev(1)}}, "base");
  git("checkout -q -b other");
  commit({{pnl(1, "a", 15), rev(3, "asset2")}}, "other");
  git("checkout -q main");
  commit({{pnl(1, "a", 12), rev(2, "asset1")}}, "main");
  Ran m = git("merge -q --no-edit other", false);
  EXPECT_NE(m.status, 0);
  EXPECT_NE(m.output.find("manual conflicts"), std::string::npos) << m.output;
  std::string merged = testing::slurp(shard_file());
  expect_valid_shard(merged);
  EXPECT_EQ(merged, testing::shard({{pnl(1, "a", 15), rev(3, "asset2")}}));  // provisional: newer
  EXPECT_NE(git("status --porcelain").output.find("UU dbsync/pnl/00.jsonl"), std::string::npos);

  auto config = load_config(repo());
  ASSERT_TRUE(config.has_value());
  auto stored = load_conflict_files(repo(), *config);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].key, "[1]");
  EXPECT_EQ((*stored)[0].path, "dbsync/pnl/00.jsonl");
  EXPECT_TRUE((*stored)[0].current);
  const json::Value* fields = (*stored)[0].content.find("fields");
  ASSERT_TRUE(fields != nullptr && fields->is_array() && fields->as_array().size() == 1);
  EXPECT_EQ(*fields->as_array()[0].find("ours"), json::Value(12));
  EXPECT_EQ(*fields->as_array()[0].find("theirs"), json::Value(15));
  // Once the shard holds something else, the entry is stale.
  testing::write(shard_file(), testing::shard({{pnl(1, "a", 12), rev(4)}}));
  auto again = load_conflict_files(repo(), *config);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE((*again)[0].current);
}

TEST_F(MergeDriverGit, CorruptShardFailsWith130AndLeavesOursWithoutMarkers) {
  config();
  commit({{pnl(1, "a", 10), rev(1)}}, "base");
  git("checkout -q -b other");
  std::string bad = testing::line(pnl(1, "a", 99), rev(3));
  bad.replace(bad.find("99"), 2, "98");  // the hash no longer matches
  testing::write(shard_file(), bad + "\n");
  git("commit -q -am corrupt");
  git("checkout -q main");
  std::string ours = testing::shard({{pnl(1, "a", 12), rev(2)}});
  commit({{pnl(1, "a", 12), rev(2)}}, "main");
  Ran m = git("merge -q --no-edit other", false);
  EXPECT_NE(m.status, 0);
  EXPECT_NE(m.output.find("dbsync: error: 'dbsync/pnl/00.jsonl (theirs)' line 1: field 'h'"),
            std::string::npos)
      << m.output;
  EXPECT_EQ(testing::slurp(shard_file()), ours);

  // The driver's own exit code, run the way git runs it.
  testing::write(repo() / "O", testing::shard({{pnl(1, "a", 10), rev(1)}}));
  testing::write(repo() / "A", ours);
  testing::write(repo() / "B", bad + "\n");
  Ran d = sh("cd '" + repo().string() + "' && " + DBSYNC_BINARY + " merge-driver O A B dbsync/pnl/00.jsonl");
  EXPECT_EQ(d.status, 130) << d.output;
  EXPECT_EQ(testing::slurp(repo() / "A"), ours);
  Ran p = sh("cd '" + repo().string() + "' && " + DBSYNC_BINARY + " merge-driver O A B ../etc/passwd");
  EXPECT_EQ(p.status, 130) << p.output;
}

}  // namespace
}  // namespace dbsync
