// verify_snapshot(): counts, root hash, and the first error in (collection,
// shard) order whatever the thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "snapshot/verify.h"
#include "unit/snapshot_test_repo.h"

namespace dbsync {
namespace {

using testing::pnl_doc;
using testing::TestCollection;

std::vector<TestCollection> two_collections(std::string rev = std::string(testing::kTestRev)) {
  TestCollection pnl{"pnl_data", 4, {"id"}, {}, rev};
  for (int i = 1; i <= 300; ++i) pnl.docs.push_back(pnl_doc(i, std::to_string(i) + ".25"));
  TestCollection users{"users", 1, {"name"}, {}, rev};
  for (int i = 0; i < 20; ++i)
    users.docs.push_back("{\"age\":" + std::to_string(20 + i) + ",\"name\":\"u" + std::to_string(i) + "\"}");
  return {pnl, users};
}

Result<SnapshotSummary> verify(const std::filesystem::path& repo, unsigned threads = 0) {
  auto config = load_config(repo);
  EXPECT_TRUE(config.has_value());
  VerifyOptions o;
  o.threads = threads;
  return verify_snapshot(SnapshotLayout(repo), *config, {}, o);
}

TEST(Verify, CountsRecordsShardsAndBytes) {
  testing::ScratchDir dir;
  testing::write_snapshot(dir.path(), two_collections());
  auto s = verify(dir.path());
  ASSERT_TRUE(s.has_value()) << s.error().message;
  ASSERT_EQ(s->collections.size(), 2u);
  const auto& pnl = s->collections[0];
  EXPECT_EQ(pnl.name, "pnl_data");
  EXPECT_EQ(pnl.records, 300u);
  EXPECT_EQ(pnl.shard_count, 4u);
  EXPECT_EQ(pnl.shard_files, 4u);
  EXPECT_EQ(pnl.key, std::vector<std::string>{"id"});
  uint64_t bytes = 0;
  for (uint32_t sh = 0; sh < 4; ++sh)
    bytes += std::filesystem::file_size(dir.path() / testing::shard_path_label("pnl_data", sh, 4));
  EXPECT_EQ(pnl.bytes, bytes);
  EXPECT_EQ(s->collections[1].name, "users");
  EXPECT_EQ(s->collections[1].records, 20u);
  EXPECT_EQ(s->collections[1].key, std::vector<std::string>{"name"});
  EXPECT_EQ(s->records, 320u);
}

TEST(Verify, SameDataGivesTheSameRootWhateverTheRevsAndOrder) {
  testing::ScratchDir a, b, c;
  testing::write_snapshot(a.path(), two_collections());
  auto shuffled = two_collections("2027-03-01T00:00:00.000Z-00ff-other");
  std::mt19937 rng(3);
  std::shuffle(shuffled[0].docs.begin(), shuffled[0].docs.end(), rng);
  testing::write_snapshot(b.path(), shuffled);
  auto changed = two_collections();
  changed[0].docs[150] = pnl_doc(151, "151.26");
  testing::write_snapshot(c.path(), changed);
  auto ra = verify(a.path()), rb = verify(b.path()), rc = verify(c.path());
  ASSERT_TRUE(ra && rb && rc);
  EXPECT_EQ(ra->root, rb->root);
  EXPECT_NE(ra->root, rc->root);
  EXPECT_NE(ra->collections[0].digest, rc->collections[0].digest);
  EXPECT_EQ(ra->collections[1].digest, rc->collections[1].digest);
}

TEST(Verify, ThreadCountChangesNothing) {
  testing::ScratchDir dir;
  testing::write_snapshot(dir.path(), two_collections());
  auto one = verify(dir.path(), 1);
  ASSERT_TRUE(one.has_value());
  for (unsigned t : {2u, 3u, 8u}) {
    auto many = verify(dir.path(), t);
    ASSERT_TRUE(many.has_value());
    EXPECT_EQ(many->root, one->root);
    EXPECT_EQ(many->records, one->records);
    EXPECT_EQ(many->bytes, one->bytes);
  }
}

TEST(Verify, ReportsTheFirstBadShardInOrderWhateverTheThreadCount) {
  testing::ScratchDir dir;
  auto files = testing::write_snapshot(dir.path(), two_collections());
  // Damage shard 03 and shard 01: 01 must be reported.
  for (uint32_t sh : {3u, 1u}) {
    std::string label = testing::shard_path_label("pnl_data", sh, 4);
    std::string bytes = testing::slurp(dir.path() / label);
    bytes.pop_back();  // truncated last line
    testing::spit(dir.path() / label, bytes);
  }
  size_t lines01 = files["dbsync/pnl_data/01.jsonl"].size();
  std::string want = "'dbsync/pnl_data/01.jsonl' line " + std::to_string(lines01) + ": truncated last line";
  for (unsigned t : {1u, 2u, 4u}) {
    for (int rep = 0; rep < 5; ++rep) {
      auto s = verify(dir.path(), t);
      ASSERT_FALSE(s.has_value());
      EXPECT_EQ(s.error().code, ErrorCode::kBadInput);
      EXPECT_EQ(s.error().message.substr(0, want.size()), want) << "threads " << t;
    }
  }
}

TEST(Verify, RejectsAShardFileOfAnotherShardCount) {
  testing::ScratchDir dir;
  testing::write_snapshot(dir.path(), two_collections());
  testing::spit(dir.path() / "dbsync/pnl_data/004.jsonl", "");
  auto s = verify(dir.path());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "'dbsync/pnl_data/004.jsonl' is not a shard of a 4-shard collection");
}

TEST(Verify, RejectsACollectionFolderThatIsNotAPlainName) {
  testing::ScratchDir dir;
  testing::write_snapshot(dir.path(), two_collections());
  std::filesystem::create_directories(dir.path() / "dbsync" / "bad'name");
  auto s = verify(dir.path());
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("collection name 'bad'name' is not a plain name"), std::string::npos);
}

TEST(Verify, ConfigKeyOverridesSchemaKey) {
  testing::ScratchDir dir;
  testing::write_snapshot(dir.path(), two_collections());
  // Keyed by user_id, the pnl records are in the wrong shards and repeat.
  testing::spit(dir.path() / "dbsync.toml", "[collections.pnl_data]\nshards = 4\nkey = [\"user_id\"]\n");
  auto s = verify(dir.path());
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("belongs in shard"), std::string::npos) << s.error().message;
}

TEST(Verify, ReportsProgressPerShard) {
  testing::ScratchDir dir;
  testing::write_snapshot(dir.path(), two_collections());
  auto config = load_config(dir.path());
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  auto s = verify_snapshot(SnapshotLayout(dir.path()), *config,
                           [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(calls.size(), 5u);  // 4 + 1 shards
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i], std::make_pair(uint64_t{i + 1}, uint64_t{5}));
}

TEST(Verify, EmptySnapshotFolderHasNoCollections) {
  testing::ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "dbsync");
  auto s = verify(dir.path());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->records, 0u);
  EXPECT_TRUE(s->collections.empty());
}

}  // namespace
}  // namespace dbsync
