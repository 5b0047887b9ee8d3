#include <gtest/gtest.h>

#include "merge/shard_merge.h"
#include "property/merge_test_util.h"

namespace dbsync {
namespace {

using testing::line;
using testing::Rec;
using testing::rev;
using testing::shard;

struct Both {
  ShardMergeOutput out;
  ShardMergeOutput mirror;
};

// Merges both ways; the bytes must agree.
Both run(const std::optional<std::string>& base, const std::string& ours, const std::string& theirs,
         const CollectionConfig& config = {}) {
  ShardMergeInput in;
  if (base) in.base = *base;
  in.ours = ours;
  in.theirs = theirs;
  in.spec = ShardSpec{{"id"}, 0, 1, false};
  ShardMergeOptions opt;
  opt.record_outcomes = true;
  auto a = merge_shard(in, config, opt);
  EXPECT_TRUE(a.has_value()) << a.error().message;
  std::swap(in.ours, in.theirs);
  auto b = merge_shard(in, config, opt);
  EXPECT_TRUE(b.has_value()) << b.error().message;
  if (!a || !b) return {};
  EXPECT_EQ(a->bytes, b->bytes) << "merge is not symmetric";
  return Both{std::move(*a), std::move(*b)};
}

std::vector<RecordAction> actions(const ShardMergeOutput& out) {
  std::vector<RecordAction> v;
  for (const auto& o : out.outcomes) v.push_back(o.action);
  return v;
}

TEST(MergeShard, OneSideChangedTakesThatSide) {
  std::string b = shard({{R"({"id":1,"v":0})", rev(1)}, {R"({"id":2,"v":0})", rev(1)}});
  std::string o = shard({{R"({"id":1,"v":1})", rev(2)}, {R"({"id":2,"v":0})", rev(1)}});
  std::string t = shard({{R"({"id":1,"v":0})", rev(1)}, {R"({"id":2,"v":2})", rev(3)}});
  Both r = run(b, o, t);
  EXPECT_EQ(r.out.bytes, shard({{R"({"id":1,"v":1})", rev(2)}, {R"({"id":2,"v":2})", rev(3)}}));
  EXPECT_EQ(actions(r.out), (std::vector{RecordAction::kTookOurs, RecordAction::kTookTheirs}));
  EXPECT_EQ(r.out.result, MergeResult::kClean);
  EXPECT_EQ(r.out.counts.common, 2u);
  EXPECT_EQ(r.out.counts.total, 2u);
  EXPECT_EQ(r.out.counts.records_changed, 1u);  // record 2 changes locally
  EXPECT_EQ(r.out.counts.fields_changed, 1u);
}

TEST(MergeShard, SameContentWithDifferentRevsKeepsTheGreaterRev) {
  std::string o = shard({{R"({"id":1,"v":1})", rev(5)}});
  std::string t = shard({{R"({"id":1,"v":1})", rev(7)}});
  Both r = run(std::string(), o, t);
  EXPECT_EQ(r.out.bytes, t);
  EXPECT_EQ(actions(r.out), (std::vector{RecordAction::kSame}));
}

TEST(MergeShard, DeletesPropagateAndCount) {
  std::string b = shard({{R"({"id":1})", rev(1)}, {R"({"id":2})", rev(1)}, {R"({"id":3})", rev(1)}});
  std::string o = shard({{R"({"id":2})", rev(1)}});                           // deleted 1 and 3
  std::string t = shard({{R"({"id":1})", rev(1)}, {R"({"id":2})", rev(1)}});  // deleted 3
  Both r = run(b, o, t);
  EXPECT_EQ(r.out.bytes, shard({{R"({"id":2})", rev(1)}}));
  EXPECT_EQ(actions(r.out), (std::vector{RecordAction::kDeleted, RecordAction::kSame, RecordAction::kSame}));
  EXPECT_EQ(r.out.counts.deleted, 1u);  // record 1; record 3 was in neither side
  EXPECT_EQ(r.out.counts.remote_only, 1u);
  EXPECT_EQ(r.out.counts.records_changed, 0u);  // ours already lacks record 1
  EXPECT_EQ(r.mirror.counts.local_only, 1u);
  EXPECT_EQ(r.mirror.counts.records_changed, 1u);  // seen from the other side, it is deleted there
}

TEST(MergeShard, DeleteAgainstEditFollowsOnDeleteConflict) {
  std::string b = shard({{R"({"id":1,"v":0})", rev(1)}});
  std::string o = shard({});
  std::string t = shard({{R"({"id":1,"v":9})", rev(2)}});
  Both keep = run(b, o, t);
  EXPECT_EQ(keep.out.bytes, t);
  EXPECT_EQ(actions(keep.out), (std::vector{RecordAction::kKeptOnDeleteConflict}));
  ASSERT_EQ(keep.out.conflicts.size(), 1u);
  const Conflict& c = keep.out.conflicts[0];
  EXPECT_TRUE(c.path.empty());
  EXPECT_FALSE(c.ours.has_value());
  EXPECT_EQ(c.theirs, testing::parse_json(R"({"id":1,"v":9})"));
  EXPECT_EQ(c.chosen, c.theirs);
  EXPECT_EQ(c.rule, Rule::kKeepOnDelete);
  EXPECT_EQ(keep.out.counts.conflicts_resolved, 1u);
  EXPECT_EQ(keep.out.counts.records_changed, 1u);  // comes back here

  CollectionConfig del;
  del.on_delete_conflict = DeleteConflict::kDelete;
  Both gone = run(b, o, t, del);
  EXPECT_EQ(gone.out.bytes, "");
  EXPECT_EQ(gone.out.conflicts.at(0).rule, Rule::kDeleteOnDelete);
  EXPECT_EQ(gone.out.counts.deleted, 1u);
}

TEST(MergeShard, BothChangedMergesFieldsWithTheGreaterRev) {
  std::string b = shard({{R"({"id":1,"a":0,"b":0})", rev(1)}});
  std::string o = shard({{R"({"id":1,"a":1,"b":0})", rev(3)}});
  std::string t = shard({{R"({"id":1,"a":0,"b":2})", rev(2)}});
  Both r = run(b, o, t);
  EXPECT_EQ(r.out.bytes, shard({{R"({"id":1,"a":1,"b":2})", rev(3)}}));
  EXPECT_EQ(actions(r.out), (std::vector{RecordAction::kMerged}));
  EXPECT_TRUE(r.out.conflicts.empty());
  EXPECT_EQ(r.out.counts.records_changed, 1u);
  EXPECT_EQ(r.out.counts.fields_changed, 1u);
}

TEST(MergeShard, ConflictsAreListedAndCounted) {
  std::string b = shard({{R"({"id":1,"p":10})", rev(1)}});
  std::string o = shard({{R"({"id":1,"p":12})", rev(2)}});
  std::string t = shard({{R"({"id":1,"p":15})", rev(3)}});
  Both r = run(b, o, t);
  EXPECT_EQ(r.out.bytes, shard({{R"({"id":1,"p":15})", rev(3)}}));
  ASSERT_EQ(r.out.conflicts.size(), 1u);
  EXPECT_EQ(r.out.conflicts[0].key, "[1]");
  EXPECT_EQ(r.out.conflicts[0].chosen, json::Value(15));
  EXPECT_EQ(r.out.counts.conflicts_resolved, 1u);
  // The mirror sees ours and theirs swapped.
  EXPECT_EQ(r.mirror.conflicts.at(0).ours, json::Value(15));
}

TEST(MergeShard, ManualLeavesAProvisionalRecordAndReportsIt) {
  CollectionConfig manual;
  manual.policy = ConflictPolicy::kManual;
  std::string b = shard({{R"({"id":1,"p":10})", rev(1)}, {R"({"id":2,"p":0})", rev(1)}});
  std::string o = shard({{R"({"id":1,"p":12})", rev(2)}, {R"({"id":2,"p":1})", rev(2)}});
  std::string t = shard({{R"({"id":1,"p":15})", rev(3)}, {R"({"id":2,"p":0})", rev(1)}});
  Both r = run(b, o, t, manual);
  EXPECT_EQ(r.out.result, MergeResult::kConflict);
  EXPECT_EQ(r.out.bytes, shard({{R"({"id":1,"p":15})", rev(3)}, {R"({"id":2,"p":1})", rev(2)}}));
  ASSERT_EQ(r.out.manual.size(), 1u);
  const ManualConflict& m = r.out.manual[0];
  EXPECT_EQ(m.key, "[1]");
  EXPECT_EQ(m.base_line, line(R"({"id":1,"p":10})", rev(1)));
  EXPECT_EQ(m.ours_line, line(R"({"id":1,"p":12})", rev(2)));
  EXPECT_EQ(m.theirs_line, line(R"({"id":1,"p":15})", rev(3)));
  EXPECT_EQ(m.provisional_line, line(R"({"id":1,"p":15})", rev(3)));
  ASSERT_EQ(m.fields.size(), 1u);
  EXPECT_EQ(r.out.counts.conflicts_unresolved, 1u);
  EXPECT_EQ(r.out.counts.conflicts_resolved, 0u);
}

TEST(MergeShard, WithoutBaseItIsAUnionAndNothingIsDeleted) {
  std::string o = shard({{R"({"id":1,"a":1})", rev(1)}, {R"({"id":2})", rev(1)}});
  std::string t = shard({{R"({"id":1,"b":2})", rev(2)}, {R"({"id":3})", rev(2)}});
  Both r = run(std::nullopt, o, t);
  EXPECT_EQ(r.out.bytes,
            shard({{R"({"id":1,"a":1,"b":2})", rev(2)}, {R"({"id":2})", rev(1)}, {R"({"id":3})", rev(2)}}));
  EXPECT_EQ(r.out.counts.local_only, 1u);
  EXPECT_EQ(r.out.counts.remote_only, 1u);
  EXPECT_EQ(r.out.counts.common, 1u);
  EXPECT_EQ(r.out.counts.total, 3u);
  EXPECT_EQ(r.out.counts.deleted, 0u);
}

TEST(MergeShard, IdenticalLinesAreCheckedOnce) {
  // Covered indirectly: a bad line identical on all sides is still an error.
  std::string good = line(R"({"id":1})", rev(1));
  std::string bad = good;
  bad[bad.find("\"h\":\"") + 5] ^= 1;  // break the hash
  std::string file = bad + "\n";
  ShardMergeInput in;  // views: `file` must outlive it
  in.base = file;
  in.ours = file;
  in.theirs = file;
  in.base_label = "B";
  in.spec = ShardSpec{{"id"}, 0, 1, false};
  auto r = merge_shard(in, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("'B' line 1"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("field 'h'"), std::string::npos) << r.error().message;
}

struct BadInput {
  const char* what;
  std::string theirs;
  const char* expect;
};

TEST(MergeShard, RejectsBadInputNamingFileAndLine) {
  std::string l1 = line(R"({"id":1})", rev(1)), l2 = line(R"({"id":2})", rev(1));
  std::string other_shard;  // a key that belongs in shard 1 of 2
  for (int id = 0; other_shard.empty(); ++id) {
    if (shard_of("[" + std::to_string(id) + "]", 2) == 1)
      other_shard = line(R"({"id":)" + std::to_string(id) + "}", rev(1));
  }
  std::vector<BadInput> cases = {
      {"unsorted", l2 + "\n" + l1 + "\n", "line 2: key [1] is out of order"},
      {"duplicate", l1 + "\n" + l1 + "\n", "line 2: duplicate key [1]"},
      {"truncated", l1 + "\n" + l2, "line 2: truncated last line"},
      {"marker", l1 + "\n<<<<<<< HEAD\n", "line 2: leftover git conflict marker"},
      {"not canonical",
       l1 + "\n" + R"({"d":{"id": 2},"h":"00000000000000000000000000000000","r":")" + rev(1) + "\"}\n",
       "line 2: "},
      {"missing key", line(R"({"x":1})", rev(1)) + "\n", "line 1: field 'id': key field is missing"},
      {"wrong shard", other_shard + "\n", "line 1: key ["},
  };
  std::string one = l1 + "\n";
  for (const auto& c : cases) {
    bool two_shards = std::string(c.what) == "wrong shard";
    ShardMergeInput in;
    in.base = two_shards ? std::string_view() : one;
    in.ours = in.base.value();
    in.theirs = c.theirs;
    in.theirs_label = "dbsync/t/00.jsonl";
    in.spec = ShardSpec{{"id"}, 0, two_shards ? 2u : 1u, false};
    auto r = merge_shard(in, {});
    ASSERT_FALSE(r.has_value()) << c.what;
    EXPECT_EQ(r.error().code, ErrorCode::kBadInput) << c.what;
    EXPECT_NE(r.error().message.find("'dbsync/t/00.jsonl' " + std::string(c.expect)), std::string::npos)
        << c.what << ": " << r.error().message;
    if (two_shards) {
      EXPECT_NE(r.error().message.find("belongs in shard 01.jsonl"), std::string::npos);
    }
  }
}

TEST(MergeShard, BadBaseLineIsAnErrorEvenWhenBothSidesDeletedIt) {
  std::string good = line(R"({"id":1})", rev(1));
  std::string bad = good;
  bad.replace(bad.find("\"id\":1"), 6, "\"id\":7");  // hash no longer matches
  std::string file = bad + "\n";
  ShardMergeInput in;
  in.base = file;
  in.spec = ShardSpec{{"id"}, 0, 1, false};
  auto r = merge_shard(in, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("field 'h'"), std::string::npos) << r.error().message;
}

TEST(MergeShard, FingerprintsSkipMissingAndNullUniqueFields) {
  std::string o = shard({{R"({"id":1,"u":"a","t":1})", rev(1)},
                         {R"({"id":2,"u":"a","t":1})", rev(1)},
                         {R"({"id":3,"u":null,"t":1})", rev(1)},
                         {R"({"id":4,"t":1})", rev(1)}});
  ShardMergeInput in;
  in.ours = o;
  in.spec = ShardSpec{{"id"}, 0, 1, false};
  ShardMergeOptions opt;
  opt.unique = {{"u", "t"}};
  auto r = merge_shard(in, {}, opt);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->fingerprints.size(), 1u);
  ASSERT_EQ(r->fingerprints[0].size(), 2u);
  EXPECT_EQ(r->fingerprints[0][0].first, r->fingerprints[0][1].first);
  EXPECT_EQ(r->fingerprints[0][0].second, 0u);
  EXPECT_EQ(r->fingerprints[0][1].second, 1u);
}

TEST(MergeShard, UniqueFingerprintSeparatesValues) {
  uint64_t a, b;
  ASSERT_TRUE(unique_fingerprint({"\"ab\"", "\"c\""}, a));
  ASSERT_TRUE(unique_fingerprint({"\"a\"", "\"bc\""}, b));
  EXPECT_NE(a, b);
  EXPECT_FALSE(unique_fingerprint({"\"a\"", "null"}, a));
  EXPECT_FALSE(unique_fingerprint({"\"a\"", ""}, a));
}

}  // namespace
}  // namespace dbsync
