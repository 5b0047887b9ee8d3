#include <gtest/gtest.h>

#include "merge/duplicates.h"
#include "property/merge_test_util.h"
#include "snapshot/layout.h"

namespace dbsync {
namespace {

using testing::rev;

class DuplicatesTest : public ::testing::Test {
 protected:
  void SetUp() override { config_.shards = 2; }

  void put(const std::vector<testing::Rec>& recs) {
    std::vector<std::vector<testing::Rec>> by_shard(config_.shards);
    for (const auto& r : recs) {
      by_shard[shard_of(*key_encoding(testing::parse_json(r.doc), {"id"}), config_.shards)].push_back(r);
    }
    for (uint32_t s = 0; s < config_.shards; ++s) {
      testing::write(layout_.shard_path("c", s, config_.shards), testing::shard(by_shard[s]));
    }
  }

  // Every line of the collection, sorted (records sit in different shards).
  std::vector<std::string> all() const {
    std::vector<std::string> out;
    for (uint32_t s = 0; s < config_.shards; ++s) {
      std::string bytes = testing::slurp(layout_.shard_path("c", s, config_.shards));
      for (size_t pos = 0, end; (end = bytes.find('\n', pos)) != std::string::npos; pos = end + 1) {
        out.push_back(bytes.substr(pos, end - pos));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::string> lines(const std::vector<testing::Rec>& recs) {
    std::vector<std::string> out;
    for (const auto& r : recs) out.push_back(testing::line(r.doc, r.rev));
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<DuplicatesOutcome> run() {
    return resolve_duplicates(layout_, "c", config_, {"id"}, nullptr, false);
  }

  testing::TempDir tmp_;
  SnapshotLayout layout_{tmp_.path()};
  CollectionConfig config_;
};

TEST_F(DuplicatesTest, NothingToDoWithoutUnique) {
  put({{R"({"id":1,"u":1})", rev(1)}, {R"({"id":2,"u":1})", rev(1)}});
  auto r = run();
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->removals.empty());
}

TEST_F(DuplicatesTest, SurvivorIsTheSmallestRevThenTheSmallestKey) {
  config_.unique = {{"u"}};
  put({{R"({"id":3,"u":"a"})", rev(1)}, {R"({"id":1,"u":"a"})", rev(2)}, {R"({"id":2,"u":"a"})", rev(1)}});
  auto r = run();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->removals.size(), 2u);
  EXPECT_EQ(r->removals[0].survivor_key, "[2]");  // rev 1 ties with [3]; [2] < [3]
  EXPECT_EQ(r->removals[0].removed_key, "[3]");
  EXPECT_EQ(r->removals[1].removed_key, "[1]");
  EXPECT_EQ(all(), lines({{R"({"id":2,"u":"a"})", rev(1)}}));  // nothing to merge: rev unchanged
}

TEST_F(DuplicatesTest, NullOrMissingUniqueFieldsAreNeverDuplicates) {
  config_.unique = {{"u", "t"}};
  put({{R"({"id":1,"t":1,"u":null})", rev(1)},
       {R"({"id":2,"t":1,"u":null})", rev(1)},
       {R"({"id":3,"t":1})", rev(1)},
       {R"({"id":4,"t":1})", rev(1)}});
  auto r = run();
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->removals.empty());
}

TEST_F(DuplicatesTest, GroupsJoinAcrossUniqueLists) {
  // 1 and 2 share u; 2 and 3 share v: one group of three.
  config_.unique = {{"u"}, {"v"}};
  put({{R"({"id":1,"u":"a","v":"p"})", rev(1)},
       {R"({"id":2,"u":"a","v":"q"})", rev(2)},
       {R"({"id":3,"u":"b","v":"q"})", rev(3)},
       {R"({"id":4,"u":"c","v":"r"})", rev(1)}});
  auto r = run();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->removals.size(), 2u);
  // Survivor 1 takes the newer values of u and v (3's): newer wins conflicts.
  EXPECT_EQ(all(), lines({{R"({"id":1,"u":"b","v":"q"})", rev(3)}, {R"({"id":4,"u":"c","v":"r"})", rev(1)}}));
  EXPECT_EQ(r->conflicts_resolved, 2u);  // v with record 2, then u with record 3
  EXPECT_EQ(r->survivors_changed, 1u);
  auto again = run();
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->removals.empty());
}

TEST_F(DuplicatesTest, ManualPolicyLeavesTheMergedSurvivorForReview) {
  config_.unique = {{"u"}};
  config_.policy = ConflictPolicy::kManual;
  put({{R"({"id":1,"u":"a","p":1})", rev(1)}, {R"({"id":2,"u":"a","p":2})", rev(2)}});
  auto r = run();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result, MergeResult::kConflict);
  ASSERT_EQ(r->manual.size(), 1u);
  EXPECT_TRUE(r->manual[0].duplicate);
  EXPECT_EQ(r->manual[0].key, "[1]");
  EXPECT_EQ(r->manual[0].theirs_line, testing::line(R"({"id":2,"u":"a","p":2})", rev(2)));
}

}  // namespace
}  // namespace dbsync
