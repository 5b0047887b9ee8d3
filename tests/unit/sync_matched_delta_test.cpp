// Committing the matched state in place (sync/matched_delta.h): an export or
// import of a few changes writes and renames the shard files it changes and
// leaves every other file of the live generation alone, and a fold a crash
// interrupted is finished by the next run, never read half-way.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "sync/export.h"
#include "sync/import.h"
#include "sync/matched.h"
#include "sync/matched_delta.h"
#include "sync/status.h"
#include "test_support/temp_dir.h"
#include "unit/sync_test_util.h"
#include "util/fault.h"

namespace dbsync {
namespace {

using testing::TestReplica;
namespace fs = std::filesystem;

constexpr int kRows = 400;

void with_shards(const TestReplica& r, int shards) {
  std::ofstream(r.repo / "dbsync.toml") << "version = 1\n[defaults]\nshards = " << shards << "\n";
}

void fill(TestReplica& r) {
  std::string sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);";
  for (int i = 1; i <= kRows; ++i) sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'v');";
  r.sql(sql);
}

MatchedMeta matched(const TestReplica& r) {
  auto m = load_matched_meta(LocalPaths(r.repo));
  EXPECT_TRUE(m.has_value() && m->has_value());
  return m && *m ? **m : MatchedMeta{};
}

fs::path live_root(const TestReplica& r) {
  return generation_root(LocalPaths(r.repo), matched(r).generation);
}

// "dbsync/<c>/<file>" -> inode, of the live generation's files.
std::map<std::string, ino_t> inodes(const TestReplica& r) {
  std::map<std::string, ino_t> out;
  fs::path root = live_root(r);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    struct stat st;
    if (e.is_regular_file() && ::stat(e.path().c_str(), &st) == 0)
      out[fs::relative(e.path(), root).string()] = st.st_ino;
  }
  return out;
}

std::vector<std::string> replaced(const std::map<std::string, ino_t>& before,
                                  const std::map<std::string, ino_t>& after) {
  std::vector<std::string> out;
  for (const auto& [path, ino] : after) {
    auto it = before.find(path);
    if (it == before.end() || it->second != ino) out.push_back(path);
  }
  for (const auto& [path, ino] : before) {
    if (!after.count(path)) out.push_back(path + " (removed)");
  }
  return out;
}

// The folders of the matched state, the trash left out.
std::vector<std::string> folders(const TestReplica& r) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(r.repo / ".dbsync/matched")) {
    if (!e.path().filename().string().starts_with("trash-")) out.push_back(e.path().filename());
  }
  return out;
}

// "<collection>/<file>" -> bytes of the generation files folds moved to
// the trash, for the next command to delete.
std::map<std::string, std::string> trashed(const TestReplica& r) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(r.repo / ".dbsync/matched")) {
    if (e.path().filename().string().starts_with("trash-fold-")) out.merge(testing::tree_files(e.path()));
  }
  return out;
}

// The generation holds what the working tree holds, file for file.
void expect_generation_is_the_snapshot(const TestReplica& r) {
  EXPECT_EQ(testing::tree_files(live_root(r) / "dbsync"), r.snapshot());
}

TEST(MatchedDelta, AnExportOfOneChangeReplacesOnlyItsShardInTheLiveGeneration) {
  TempDir dir;
  TestReplica a(dir.path() / "a", "a");
  with_shards(a, 16);
  fill(a);
  ASSERT_TRUE(run_export(a.options()).has_value());
  const std::string generation = matched(a).generation;
  auto before = inodes(a);
  ASSERT_EQ(before.size(), 17u);  // 16 shards and schema.json
  auto old_files = testing::tree_files(live_root(a) / "dbsync");

  a.sql("UPDATE t SET v = 'changed' WHERE id = 7");
  a.now += 1000;
  auto res = run_export(a.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->changed, 1u);
  EXPECT_EQ(matched(a).generation, generation);
  EXPECT_EQ(replaced(before, inodes(a)).size(), 1u);
  EXPECT_EQ(folders(a), std::vector<std::string>{generation});  // the delta is gone
  expect_generation_is_the_snapshot(a);
  // The replaced file waits in the trash as it was, not freed on the
  // commit's path.
  auto trash = trashed(a);
  ASSERT_EQ(trash.size(), 1u);
  const auto& [name, bytes] = *trash.begin();
  EXPECT_EQ(bytes, old_files[name]);
  EXPECT_NE(bytes, a.snapshot()[name]);
  auto again = run_export(a.options());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(again->changed_any());
  EXPECT_TRUE(trashed(a).empty());  // the next command deleted it

  // A fold that only adds files (a new table) replaces nothing, and makes
  // no trash folder.
  a.sql("CREATE TABLE u (id INTEGER PRIMARY KEY); INSERT INTO u VALUES (1);");
  a.now += 1000;
  auto added = run_export(a.options());
  ASSERT_TRUE(added.has_value()) << added.error().message;
  EXPECT_EQ(matched(a).generation, generation);
  for (const auto& e : fs::directory_iterator(a.repo / ".dbsync/matched"))
    EXPECT_FALSE(e.path().filename().string().starts_with("trash-")) << e.path();
  expect_generation_is_the_snapshot(a);
}

TEST(MatchedDelta, AnImportReplacesTheChangedShardsAndRemovesOnesItEmpties) {
  TempDir dir;
  TestReplica a(dir.path() / "a", "a"), b(dir.path() / "b", "b");
  with_shards(a, 16);
  with_shards(b, 16);
  fill(a);
  ASSERT_TRUE(run_export(a.options()).has_value());
  fs::copy(a.repo / "dbsync", b.repo / "dbsync", fs::copy_options::recursive);
  ASSERT_TRUE(run_import(b.options()).has_value());
  auto before = inodes(b);

  // One shard changes; every row of one other shard goes, so its file goes.
  a.sql("UPDATE t SET v = 'changed' WHERE id = 7");
  ASSERT_TRUE(run_export(a.options()).has_value());
  std::string emptied;
  std::map<std::string, std::string> snap = a.snapshot();
  for (const auto& [path, bytes] : snap) {
    if (path.ends_with(".jsonl") && bytes.find("\"changed\"") == std::string::npos) {
      emptied = path;
      break;
    }
  }
  ASSERT_FALSE(emptied.empty());
  // Delete every row of that shard in A, then export again.
  std::string keys;
  for (size_t pos = 0; (pos = snap[emptied].find("\"id\":", pos)) != std::string::npos;) {
    pos += 5;
    size_t end = snap[emptied].find_first_of(",}", pos);
    keys += (keys.empty() ? "" : ",") + snap[emptied].substr(pos, end - pos);
  }
  a.sql("DELETE FROM t WHERE id IN (" + keys + ")");
  ASSERT_TRUE(run_export(a.options()).has_value());
  ASSERT_FALSE(a.snapshot().count(emptied));

  fs::remove_all(b.repo / "dbsync");
  fs::copy(a.repo / "dbsync", b.repo / "dbsync", fs::copy_options::recursive);
  auto res = run_import(b.options());
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->updated, 1u);
  auto changed = replaced(before, inodes(b));
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_TRUE(changed[0].ends_with(".jsonl")) << changed[0];
  EXPECT_EQ(changed[1], "dbsync/" + emptied + " (removed)");
  expect_generation_is_the_snapshot(b);
  EXPECT_EQ(folders(b), std::vector<std::string>{matched(b).generation});
  // Both the replaced and the emptied shard wait in the trash.
  auto trash = trashed(b);
  EXPECT_EQ(trash.size(), 2u);
  EXPECT_TRUE(trash.count(emptied)) << emptied;
}

TEST(MatchedDelta, AFoldACrashInterruptedIsNotReadHalfWayAndTheNextRunFinishesIt) {
  TempDir dir;
  TestReplica a(dir.path() / "a", "a");
  with_shards(a, 16);
  fill(a);
  ASSERT_TRUE(run_export(a.options()).has_value());
  // Fail each step of the next export until one fails inside the fold:
  // matched.json then names a delta that still exists.
  a.sql("UPDATE t SET v = 'changed' WHERE id IN (3, 7, 11, 200)");
  a.now += 1000;
  bool interrupted = false;
  for (long k = 1; k < 500 && !interrupted; ++k) {
    fs::remove_all(dir.path() / "k");
    fs::copy(a.repo, dir.path() / "k", fs::copy_options::recursive);
    TestReplica r(dir.path() / "k", "a");
    r.now = a.now;
    fault::arm(k);
    auto res = run_export(r.options());
    fault::arm(0);
    if (res.has_value()) break;  // past the last step
    if (!fold_pending(LocalPaths(r.repo), matched(r))) continue;
    interrupted = true;
    auto status = replica_status(r.options(), {});
    ASSERT_FALSE(status.has_value());
    EXPECT_NE(status.error().message.find("being committed"), std::string::npos) << status.error().message;
    auto again = run_export(r.options());
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_FALSE(again->changed_any());
    bool noted = false;
    for (const auto& w : again->warnings) noted |= w.find("finished committing") != std::string::npos;
    EXPECT_TRUE(noted);
    EXPECT_FALSE(fold_pending(LocalPaths(r.repo), matched(r)));
    expect_generation_is_the_snapshot(r);
  }
  EXPECT_TRUE(interrupted) << "no injected fault landed inside the fold";
}

TEST(MatchedDelta, FoldingTwiceIsHarmless) {
  TempDir dir;
  LocalPaths paths(dir.path());
  fs::path gen = paths.matched_dir() / "000001" / "dbsync" / "c";
  fs::path delta = paths.matched_dir() / "000002" / "dbsync" / "c";
  fs::create_directories(gen);
  fs::create_directories(delta);
  std::ofstream(gen / "a.jsonl") << "a\n";
  std::ofstream(gen / "b.jsonl") << "old b\n";
  std::ofstream(gen / "c.jsonl") << "c, gone in the new state\n";
  std::ofstream(delta / "b.jsonl") << "new b\n";
  std::ofstream(delta / "d.jsonl") << "d\n";
  MatchedMeta meta;
  meta.generation = "000001";
  meta.delta = "000002";
  meta.files = {{"dbsync/c/a.jsonl", "x"}, {"dbsync/c/b.jsonl", "x"}, {"dbsync/c/d.jsonl", "x"}};
  // A crash after the first rename: b is in, d is not yet.
  fs::rename(delta / "b.jsonl", gen / "b.jsonl");
  ASSERT_TRUE(fold_pending(paths, meta));
  ASSERT_TRUE(fold_delta(paths, meta).has_value());
  ASSERT_TRUE(fold_delta(paths, meta).has_value());
  EXPECT_FALSE(fold_pending(paths, meta));
  std::map<std::string, std::string> want = {
      {"c/a.jsonl", "a\n"}, {"c/b.jsonl", "new b\n"}, {"c/d.jsonl", "d\n"}};
  EXPECT_EQ(testing::tree_files(paths.matched_dir() / "000001" / "dbsync"), want);
  EXPECT_FALSE(fs::exists(paths.matched_dir() / "000002"));
}

}  // namespace
}  // namespace dbsync
