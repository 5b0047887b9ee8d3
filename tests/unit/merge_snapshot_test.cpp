#include <gtest/gtest.h>
#include <sys/stat.h>

#include "merge/snapshot_merge.h"
#include "property/merge_test_util.h"
#include "snapshot/layout.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using testing::rev;
using testing::slurp;
using testing::write;

// A PNL-like record.
std::string pnl(int id, const std::string& user, double profit, const std::string& extra = "") {
  return R"({"id":)" + std::to_string(id) + R"(,"user":")" + user + R"(","profit_usd":)" +
         std::to_string(profit) + extra + "}";
}

class MergeSnapshotTest : public ::testing::Test {
 protected:
  fs::path dir(const std::string& name) const { return tmp_.path() / name; }

  // Writes a one-collection snapshot: records placed in their shards.
  void snapshot(const std::string& name, const std::vector<testing::Rec>& recs, uint32_t shards = 1,
                const std::string& collection = "pnl") {
    SnapshotLayout layout(dir(name));
    std::vector<std::vector<testing::Rec>> by_shard(shards);
    for (const auto& r : recs) {
      auto key = key_encoding(testing::parse_json(r.doc), {"id"});
      ASSERT_TRUE(key.has_value());
      by_shard[shard_of(*key, shards)].push_back(r);
    }
    write(layout.schema_path(collection), "{\"key\":[\"id\"]}\n");
    for (uint32_t s = 0; s < shards; ++s) {
      if (!by_shard[s].empty()) write(layout.shard_path(collection, s, shards), testing::shard(by_shard[s]));
    }
  }

  Result<SnapshotMerge> merge(const std::optional<std::string>& base, const std::string& ours,
                              const std::string& theirs, const std::string& out, const Config& config = {}) {
    SnapshotMergeOptions opt;
    opt.durable = false;
    return merge_snapshots(base ? std::optional(dir(*base)) : std::nullopt, dir(ours), dir(theirs), dir(out),
                           config, opt);
  }

  testing::TempDir tmp_;
};

std::vector<testing::Rec> records(int from, int to, const std::string& r) {
  std::vector<testing::Rec> out;
  for (int i = from; i < to; ++i) out.push_back({pnl(i, "trader" + std::to_string(i % 7), i * 1.5), r});
  return out;
}

TEST_F(MergeSnapshotTest, BothSidesAddRecordsAndAllArriveOnce) {  // DESIGN §8 scenario 2
  auto base = records(0, 190, rev(1));
  auto a = base, b = base;
  for (auto& r : records(190, 193, rev(2, "asset1"))) a.push_back(r);
  for (auto& r : records(193, 195, rev(2, "asset2"))) b.push_back(r);
  Config config;
  config.defaults.shards = 4;
  snapshot("base", base, 4);
  snapshot("a", a, 4);
  snapshot("b", b, 4);
  auto m = merge("base", "a", "b", "out", config);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->collections.size(), 1u);
  const MergeCounts& n = m->collections[0].counts;
  EXPECT_EQ(n.local_only, 3u);
  EXPECT_EQ(n.remote_only, 2u);
  EXPECT_EQ(n.common, 190u);
  EXPECT_EQ(n.total, 195u);
  EXPECT_EQ(n.records_changed, 2u);
  EXPECT_EQ(m->result, MergeResult::kClean);
  auto everything = records(0, 190, rev(1));
  for (auto& r : records(190, 193, rev(2, "asset1"))) everything.push_back(r);
  for (auto& r : records(193, 195, rev(2, "asset2"))) everything.push_back(r);
  snapshot("expected", everything, 4);
  for (uint32_t s = 0; s < 4; ++s) {
    EXPECT_EQ(slurp(SnapshotLayout(dir("out")).shard_path("pnl", s, 4)),
              slurp(SnapshotLayout(dir("expected")).shard_path("pnl", s, 4)));
  }
  EXPECT_EQ(slurp(SnapshotLayout(dir("out")).schema_path("pnl")), "{\"key\":[\"id\"]}\n");
}

TEST_F(MergeSnapshotTest, SameFieldChangedOnBothSidesTheNewerWinsAndIsListed) {  // scenario 3
  snapshot("base", {{pnl(1, "t1", 10), rev(1)}});
  snapshot("a", {{pnl(1, "t1", 12), rev(2, "asset1")}});
  snapshot("b", {{pnl(1, "t1", 15), rev(3, "asset2")}});
  auto m = merge("base", "a", "b", "out");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(slurp(SnapshotLayout(dir("out")).shard_path("pnl", 0, 1)),
            testing::shard({{pnl(1, "t1", 15), rev(3, "asset2")}}));
  ASSERT_EQ(m->collections[0].conflicts.size(), 1u);
  const Conflict& c = m->collections[0].conflicts[0];
  EXPECT_EQ(c.field_label(), "profit_usd");
  EXPECT_EQ(c.rule, Rule::kNewer);
  EXPECT_EQ(m->collections[0].counts.conflicts_resolved, 1u);
}

TEST_F(MergeSnapshotTest, TwoWayMergeUnitesCollectionsAndKeepsEverything) {
  snapshot("a", {{pnl(1, "x", 1), rev(1)}, {pnl(2, "x", 2), rev(1)}});
  snapshot("a", {{R"({"id":5})", rev(1)}}, 1, "only_a");
  snapshot("b", {{pnl(1, "x", 1), rev(1)}});
  snapshot("b", {{R"({"id":6})", rev(1)}}, 1, "only_b");
  auto m = merge(std::nullopt, "a", "b", "out");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_TRUE(m->two_way);
  ASSERT_EQ(m->collections.size(), 3u);
  EXPECT_EQ(m->collections[0].name, "only_a");
  EXPECT_EQ(m->collections[2].counts.total, 2u);  // record 2 is kept: no base, no delete
  EXPECT_EQ(slurp(SnapshotLayout(dir("out")).shard_path("only_b", 0, 1)),
            testing::shard({{R"({"id":6})", rev(1)}}));
}

TEST_F(MergeSnapshotTest, InPlaceMergeRewritesOnlyWhatChanged) {
  Config config;
  config.defaults.shards = 4;
  auto base = records(0, 40, rev(1));
  auto theirs = base;
  theirs[0] = {pnl(0, "changed", 99), rev(2)};
  snapshot("base", base, 4);
  snapshot("ours", base, 4);
  snapshot("theirs", theirs, 4);
  SnapshotLayout ours(dir("ours"));
  uint32_t changed = shard_of("[0]", 4);
  uint32_t untouched = (changed + 1) % 4;
  struct stat before {};
  ASSERT_EQ(::stat(ours.shard_path("pnl", untouched, 4).c_str(), &before), 0);
  auto m = merge("base", "ours", "theirs", "ours", config);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  struct stat after {};
  ASSERT_EQ(::stat(ours.shard_path("pnl", untouched, 4).c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(slurp(ours.shard_path("pnl", changed, 4)),
            slurp(SnapshotLayout(dir("theirs")).shard_path("pnl", changed, 4)));
}

TEST_F(MergeSnapshotTest, DeletedEverywhereLeavesNoShardFile) {
  snapshot("base", {{pnl(1, "x", 1), rev(1)}});
  snapshot("a", {});
  snapshot("b", {{pnl(1, "x", 1), rev(1)}});
  auto m = merge("base", "a", "b", "out");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_FALSE(fs::exists(SnapshotLayout(dir("out")).shard_path("pnl", 0, 1)));
  EXPECT_EQ(m->collections[0].counts.deleted, 1u);
}

TEST_F(MergeSnapshotTest, SchemaChangedOnOneSideIsTaken) {
  snapshot("base", {{pnl(1, "x", 1), rev(1)}});
  snapshot("a", {{pnl(1, "x", 1), rev(1)}});
  snapshot("b", {{pnl(1, "x", 1), rev(1)}});
  write(SnapshotLayout(dir("b")).schema_path("pnl"), "{\"columns\":[\"id\"],\"key\":[\"id\"]}\n");
  auto m = merge("base", "a", "b", "out");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(slurp(SnapshotLayout(dir("out")).schema_path("pnl")),
            "{\"columns\":[\"id\"],\"key\":[\"id\"]}\n");
}

TEST_F(MergeSnapshotTest, KeysThatDisagreeAreAnError) {
  snapshot("a", {{pnl(1, "x", 1), rev(1)}});
  snapshot("b", {{pnl(1, "x", 1), rev(1)}});
  write(SnapshotLayout(dir("b")).schema_path("pnl"), "{\"key\":[\"user\"]}\n");
  auto m = merge(std::nullopt, "a", "b", "out");
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("different keys"), std::string::npos) << m.error().message;
  // dbsync.toml's key settles it.
  Config config;
  config.collections["pnl"].key = {"id"};
  EXPECT_TRUE(merge(std::nullopt, "a", "b", "out", config).has_value());
}

TEST_F(MergeSnapshotTest, StrayShardFileIsAnError) {
  snapshot("a", {{pnl(1, "x", 1), rev(1)}});
  snapshot("b", {{pnl(1, "x", 1), rev(1)}});
  write(dir("b") / "dbsync" / "pnl" / "07.jsonl", "");
  auto m = merge(std::nullopt, "a", "b", "out");
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("07.jsonl' is not a shard of a 1-shard collection"), std::string::npos)
      << m.error().message;
}

TEST_F(MergeSnapshotTest, BadLineNamesTheFileAndLine) {
  snapshot("a", {{pnl(1, "x", 1), rev(1)}});
  snapshot("b", {{pnl(1, "x", 1), rev(1)}});
  fs::path shard = SnapshotLayout(dir("b")).shard_path("pnl", 0, 1);
  write(shard, slurp(shard) + "{\"d\":{}}\n");
  auto m = merge(std::nullopt, "a", "b", "out");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kBadInput);
  EXPECT_NE(m.error().message.find(shard.string() + "' line 2"), std::string::npos) << m.error().message;
}

TEST_F(MergeSnapshotTest, DuplicatesUnderUniqueAreRemovedWithTheirBeforeImage) {
  Config config;
  CollectionConfig& cc = config.collections["pnl"];
  cc.shards = 4;
  cc.unique = {{"user", "ts"}};
  std::string a_doc = R"({"id":10,"note":"from a","ts":"2026-01-15T10:30:45Z","user":"u1"})";
  std::string b_doc = R"({"id":20,"profit_usd":5.0,"ts":"2026-01-15T10:30:45Z","user":"u1"})";
  snapshot("base", {}, 4);
  snapshot("a", {{a_doc, rev(3, "asset1")}}, 4);
  snapshot("b", {{b_doc, rev(2, "asset2")}}, 4);
  auto m = merge("base", "a", "b", "out", config);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const CollectionMerge& c = m->collections[0];
  ASSERT_EQ(c.duplicates.size(), 1u);
  // Survivor: the smallest rev (record 20, rev 2); record 10's note merged into it.
  EXPECT_EQ(c.duplicates[0].removed_key, "[10]");
  EXPECT_EQ(c.duplicates[0].survivor_key, "[20]");
  EXPECT_EQ(c.duplicates[0].before_line, testing::line(a_doc, rev(3, "asset1")));
  EXPECT_EQ(c.counts.duplicates_removed, 1u);
  EXPECT_EQ(c.counts.total, 1u);
  SnapshotLayout out(dir("out"));
  std::string all;
  for (uint32_t s = 0; s < 4; ++s) all += slurp(out.shard_path("pnl", s, 4));
  EXPECT_EQ(all,
            testing::shard(
                {{R"({"id":20,"note":"from a","profit_usd":5.0,"ts":"2026-01-15T10:30:45Z","user":"u1"})",
                  rev(3, "asset1")}}));
}

TEST_F(MergeSnapshotTest, ManualConflictsMakeTheMergeAConflict) {
  Config config;
  config.collections["pnl"].policy = ConflictPolicy::kManual;
  snapshot("base", {{pnl(1, "t1", 10), rev(1)}});
  snapshot("a", {{pnl(1, "t1", 12), rev(2)}});
  snapshot("b", {{pnl(1, "t1", 15), rev(3)}});
  auto m = merge("base", "a", "b", "out", config);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_EQ(m->result, MergeResult::kConflict);
  ASSERT_EQ(m->collections[0].manual.size(), 1u);
  EXPECT_EQ(m->collections[0].manual[0].key, "[1]");
  EXPECT_EQ(m->collections[0].counts.conflicts_unresolved, 1u);
}

}  // namespace
}  // namespace dbsync
