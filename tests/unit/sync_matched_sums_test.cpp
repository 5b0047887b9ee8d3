// Shard sums in matched.json (sync/matched.h `sums`): an incremental export
// carries shards no change touched over unread, and an import does the same
// for target shards a pull left alone; both must give the root hash a full
// read gives, keep sums that match the files, and fall back to reading when
// matched.json has no sums (written by an older dbsync).
#include <gtest/gtest.h>

#include <fstream>

#include "snapshot/content_digest.h"
#include "snapshot/record_line.h"
#include "sync/durable.h"
#include "sync/export.h"
#include "sync/import.h"
#include "sync/matched.h"
#include "sync/verify_db.h"
#include "test_support/temp_dir.h"
#include "unit/sync_test_util.h"
#include "util/file.h"

namespace dbsync {
namespace {

using testing::TestReplica;
namespace fs = std::filesystem;

void configure(const TestReplica& r) {
  std::ofstream(r.repo / "dbsync.toml")
      << "version = 1\nchange_tracking = \"triggers\"\n[defaults]\nshards = 16\n";
}

MatchedMeta matched(const TestReplica& r) {
  auto m = load_matched_meta(LocalPaths(r.repo));
  EXPECT_TRUE(m.has_value() && m->has_value());
  return m && *m ? **m : MatchedMeta{};
}

// Every shard's sum, recomputed from the live generation's files, equals
// the one matched.json keeps; and every shard file has one.
void expect_sums_match_files(const TestReplica& r) {
  MatchedMeta meta = matched(r);
  fs::path root = generation_root(LocalPaths(r.repo), meta.generation);
  size_t shards = 0;
  for (const auto& [path, digest] : meta.files) {
    if (!path.ends_with(".jsonl")) continue;
    ++shards;
    auto bytes = read_file(root / path);
    ASSERT_TRUE(bytes.has_value()) << path;
    ContentDigest d;
    size_t pos = 0;
    while (pos < bytes->size()) {
      size_t end = bytes->find('\n', pos);
      auto line = split_record_line(std::string_view(*bytes).substr(pos, end - pos));
      ASSERT_TRUE(line.has_value()) << path;
      Digest128 h;
      ASSERT_TRUE(decode_hash_hex(line->hash, h)) << path;
      d.add("c", 0, h);
      pos = end + 1;
    }
    ASSERT_TRUE(meta.sums.count(path)) << path;
    EXPECT_EQ(meta.sums.at(path), d.shard_sum("c", 0).to_string()) << path;
  }
  EXPECT_GT(shards, 1u);
}

// Copies the files of A's snapshot that differ into B, as a git pull
// does: B's other files keep their stat.
void pull(const TestReplica& a, const TestReplica& b) {
  auto want = a.snapshot();
  auto have = b.snapshot();
  for (const auto& [path, bytes] : want) {
    auto it = have.find(path);
    if (it != have.end() && it->second == bytes) continue;
    // A new file renamed in, as git writes it (never an edit in place).
    fs::path to = b.repo / "dbsync" / path, temp = to;
    temp += ".pull";
    fs::create_directories(to.parent_path());
    std::ofstream(temp, std::ios::binary) << bytes;
    fs::rename(temp, to);
  }
  for (const auto& [path, bytes] : have) {
    if (!want.count(path)) fs::remove(b.repo / "dbsync" / path);
  }
}

std::string root_of_full_read(TestReplica& r) {
  auto check = check_database(r.options());
  EXPECT_TRUE(check.has_value());
  EXPECT_TRUE(check && check->match);
  return check ? to_hex(check->db_root) : std::string();
}

class MatchedSums : public ::testing::Test {
 protected:
  void SetUp() override {
    configure(a);
    configure(b);
    std::string sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);";
    for (int i = 1; i <= 300; ++i) sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'v');";
    a.sql(sql);
    ASSERT_TRUE(run_export(a.options()).has_value());  // installs the triggers: a full read
    fs::copy(a.repo / "dbsync", b.repo / "dbsync", fs::copy_options::recursive);
    ASSERT_TRUE(run_import(b.options()).has_value());
    ASSERT_TRUE(run_export(b.options()).has_value());
  }
  TempDir dir;
  TestReplica a{dir.path() / "a", "a"}, b{dir.path() / "b", "b"};
};

TEST_F(MatchedSums, AnIncrementalExportAndAnImportOfAFewChangesKeepTheRootAFullReadGives) {
  a.sql(
      "UPDATE t SET v = 'changed' WHERE id IN (5, 77); DELETE FROM t WHERE id = 150;"
      "INSERT INTO t VALUES (1000, 'new')");
  a.now += 1000;
  auto ex = run_export(a.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->changed + ex->added + ex->deleted, 4u);
  EXPECT_EQ(ex->records, 300u);
  EXPECT_EQ(ex->root, root_of_full_read(a));
  expect_sums_match_files(a);

  pull(a, b);
  auto im = run_import(b.options());
  ASSERT_TRUE(im.has_value()) << im.error().message;
  EXPECT_EQ(im->updated + im->inserted + im->deleted, 4u);
  EXPECT_EQ(im->root, ex->root);
  EXPECT_EQ(root_of_full_read(b), ex->root);
  expect_sums_match_files(b);
  auto again = run_export(b.options());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(again->changed_any());
  EXPECT_EQ(again->root, ex->root);
}

TEST_F(MatchedSums, WithoutSumsOnRecordEveryShardIsReadAndTheSumsAreWrittenAgain) {
  for (TestReplica* r : {&a, &b}) {
    MatchedMeta meta = matched(*r);
    meta.sums.clear();
    ASSERT_TRUE(save_matched_meta(LocalPaths(r->repo), meta).has_value());
  }
  a.sql("UPDATE t SET v = 'changed' WHERE id = 9");
  a.now += 1000;
  auto ex = run_export(a.options());
  ASSERT_TRUE(ex.has_value()) << ex.error().message;
  EXPECT_EQ(ex->records, 300u);
  EXPECT_EQ(ex->root, root_of_full_read(a));
  expect_sums_match_files(a);
  pull(a, b);
  auto im = run_import(b.options());
  ASSERT_TRUE(im.has_value()) << im.error().message;
  EXPECT_EQ(im->updated, 1u);
  EXPECT_EQ(im->root, ex->root);
  expect_sums_match_files(b);
}

TEST(ShardSum, TextRoundTripsAndBadTextIsRefused) {
  ContentDigest::ShardSum s{12, 0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  EXPECT_EQ(s.to_string(), "12:0123456789abcdeffedcba9876543210");
  EXPECT_EQ(ContentDigest::ShardSum::parse(s.to_string()), s);
  for (const char* bad : {"", ":0123456789abcdeffedcba9876543210", "12:0123456789ABCDEFfedcba9876543210",
                          "12:0123", "x:0123456789abcdeffedcba9876543210",
                          "-1:0123456789abcdeffedcba9876543210", "12:0123456789abcdeffedcba98765432100"}) {
    EXPECT_FALSE(ContentDigest::ShardSum::parse(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dbsync
