#include <gtest/gtest.h>

#include "json/canonical.h"
#include "json/parse.h"
#include "merge/field_merge.h"

namespace dbsync {
namespace {

using json::Value;

constexpr const char* kOld = "2026-01-15T10:00:00.000Z-0000-a";
constexpr const char* kNew = "2026-01-15T11:00:00.000Z-0000-b";

Value J(const std::string& text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : Value();
}

struct Merged {
  std::string doc;
  bool unresolved = false;
  std::vector<Conflict> conflicts;
};

// Merges with ours at `ours_rev`, theirs at `theirs_rev`; checks that the
// mirrored merge gives the same document.
Merged merge(const char* base, const char* ours, const char* theirs, const MergePolicy& policy = {},
             const char* ours_rev = kOld, const char* theirs_rev = kNew) {
  Value b = base ? J(base) : Value(), o = J(ours), t = J(theirs);
  std::string oc = json::to_canonical(o), tc = json::to_canonical(t);
  Merged m;
  DocMerge r = merge_documents(base ? &b : nullptr, SideDoc{&o, ours_rev, oc}, SideDoc{&t, theirs_rev, tc},
                               policy, "[1]", &m.conflicts);
  DocMerge mirror = merge_documents(base ? &b : nullptr, SideDoc{&t, theirs_rev, tc},
                                    SideDoc{&o, ours_rev, oc}, policy, "[1]", nullptr);
  m.doc = json::to_canonical(r.doc);
  EXPECT_EQ(m.doc, json::to_canonical(mirror.doc)) << "merge is not symmetric";
  EXPECT_EQ(r.unresolved, mirror.unresolved);
  m.unresolved = r.unresolved;
  return m;
}

TEST(MergeField, ChangesToDifferentFieldsBothSurvive) {
  auto m = merge(R"({"id":1,"a":1,"b":1})", R"({"id":1,"a":2,"b":1})", R"({"id":1,"a":1,"b":3})");
  EXPECT_EQ(m.doc, R"({"a":2,"b":3,"id":1})");
  EXPECT_TRUE(m.conflicts.empty());
}

TEST(MergeField, FieldsAddedOnEachSideAreUnited) {
  auto m = merge(R"({"id":1})", R"({"id":1,"x":"o"})", R"({"id":1,"y":"t"})");
  EXPECT_EQ(m.doc, R"({"id":1,"x":"o","y":"t"})");
}

TEST(MergeField, FieldRemovedOnOneSideUnchangedOnOtherIsRemoved) {
  auto m = merge(R"({"id":1,"gone":5,"k":1})", R"({"id":1,"k":1})", R"({"id":1,"gone":5,"k":2})");
  EXPECT_EQ(m.doc, R"({"id":1,"k":2})");
}

TEST(MergeField, NestedObjectsMergeFieldByField) {
  auto m = merge(R"({"id":1,"p":{"x":1,"y":1,"z":{"q":1}}})", R"({"id":1,"p":{"x":2,"y":1,"z":{"q":1}}})",
                 R"({"id":1,"p":{"x":1,"y":1,"z":{"q":1,"r":2}}})");
  EXPECT_EQ(m.doc, R"({"id":1,"p":{"x":2,"y":1,"z":{"q":1,"r":2}}})");
  EXPECT_TRUE(m.conflicts.empty());
}

TEST(MergeField, NestedConflictNamesItsPath) {
  auto m = merge(R"({"id":1,"p":{"x":1}})", R"({"id":1,"p":{"x":2}})", R"({"id":1,"p":{"x":3}})");
  EXPECT_EQ(m.doc, R"({"id":1,"p":{"x":3}})");  // theirs has the greater rev
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_EQ(m.conflicts[0].field_label(), "p.x");
  EXPECT_EQ(m.conflicts[0].base, Value(1));
  EXPECT_EQ(m.conflicts[0].ours, Value(2));
  EXPECT_EQ(m.conflicts[0].theirs, Value(3));
  EXPECT_EQ(m.conflicts[0].chosen, Value(3));
  EXPECT_EQ(m.conflicts[0].rule, Rule::kNewer);
}

TEST(MergeField, ArraysAreWholeValues) {
  auto m = merge(R"({"id":1,"a":[1,2]})", R"({"id":1,"a":[1,2,3]})", R"({"id":1,"a":[0,1,2]})");
  EXPECT_EQ(m.doc, R"({"a":[0,1,2],"id":1})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_EQ(m.conflicts[0].field_label(), "a");
}

TEST(MergeField, MissingNullAndEmptyStringAreDifferentValues) {
  // Base "", ours null, theirs drops the field: three different values.
  auto m = merge(R"({"id":1,"f":""})", R"({"f":null,"id":1})", R"({"id":1})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  const Conflict& c = m.conflicts[0];
  EXPECT_EQ(c.base, Value(""));
  EXPECT_EQ(c.ours, Value(nullptr));
  EXPECT_FALSE(c.theirs.has_value());
  EXPECT_FALSE(c.chosen.has_value());  // theirs is newer: the field goes
  EXPECT_EQ(m.doc, R"({"id":1})");
  // null set on one side only, against a missing base field, is a change.
  auto n = merge(R"({"id":1})", R"({"f":null,"id":1})", R"({"id":1,"g":1})");
  EXPECT_EQ(n.doc, R"({"f":null,"g":1,"id":1})");
}

TEST(MergeField, NewerWinsByRevWhicheverSideItIs) {
  auto a = merge(R"({"id":1,"v":0})", R"({"id":1,"v":1})", R"({"id":1,"v":2})", {}, kNew, kOld);
  EXPECT_EQ(a.doc, R"({"id":1,"v":1})");
  auto b = merge(R"({"id":1,"v":0})", R"({"id":1,"v":1})", R"({"id":1,"v":2})", {}, kOld, kNew);
  EXPECT_EQ(b.doc, R"({"id":1,"v":2})");
}

TEST(MergeField, EqualRevsFallBackToDocumentBytes) {
  auto m = merge(R"({"id":1,"v":0})", R"({"id":1,"v":1})", R"({"id":1,"v":2})", {}, kOld, kOld);
  // {"id":1,"v":2} > {"id":1,"v":1} byte for byte.
  EXPECT_EQ(m.doc, R"({"id":1,"v":2})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_EQ(m.conflicts[0].rule, Rule::kTieBytes);
}

TEST(MergeField, TimestampFieldBeatsRev) {
  MergePolicy p;
  p.timestamp_field = "updated_at";
  auto m = merge(R"({"id":1,"updated_at":"2026-01-01T00:00:00Z","v":0})",
                 R"({"id":1,"updated_at":"2026-03-01T00:00:00Z","v":1})",
                 R"({"id":1,"updated_at":"2026-02-01T00:00:00Z","v":2})", p, kOld, kNew);
  EXPECT_EQ(m.doc, R"({"id":1,"updated_at":"2026-03-01T00:00:00Z","v":1})");
  ASSERT_EQ(m.conflicts.size(), 2u);
  EXPECT_EQ(m.conflicts[1].rule, Rule::kTimestamp);
  // Equal timestamps: the rev decides.
  auto t = merge(R"({"id":1,"ts":5,"v":0})", R"({"id":1,"ts":5,"v":1})", R"({"id":1,"ts":5,"v":2})",
                 MergePolicy{ConflictPolicy::kNewer, "ts", {}}, kNew, kOld);
  EXPECT_EQ(t.doc, R"({"id":1,"ts":5,"v":1})");
  EXPECT_EQ(t.conflicts[0].rule, Rule::kNewer);
}

TEST(MergeField, TimestampValuesCompare) {
  Value early = J(R"({"$date":"2026-01-01T00:00:00Z"})"), late = J(R"({"$date":"2026-02-01T00:00:00Z"})");
  EXPECT_GT(compare_timestamp_values(&late, &early), 0);
  Value ms1 = J(R"({"$date":{"$numberLong":"1000"}})"), ms2 = J(R"({"$date":{"$numberLong":"999"}})");
  EXPECT_GT(compare_timestamp_values(&ms1, &ms2), 0);
  Value i = Value(int64_t{9007199254740993}), d = Value(9007199254740992.0);
  EXPECT_GT(compare_timestamp_values(&i, &d), 0);
  Value null_v;
  EXPECT_LT(compare_timestamp_values(&null_v, &i), 0);
  EXPECT_LT(compare_timestamp_values(nullptr, &i), 0);
  Value s("x");
  EXPECT_EQ(compare_timestamp_values(&s, &i), 0);
}

TEST(MergeField, MoreCompleteTakesTheSideWithMoreNonEmptyFields) {
  MergePolicy p;
  p.policy = ConflictPolicy::kMoreComplete;
  // Ours is newer but has fewer non-empty fields.
  auto m = merge(R"({"id":1,"a":"","b":"","v":0})", R"({"id":1,"a":"","b":"","v":1})",
                 R"({"id":1,"a":"x","b":"","v":2})", p, kNew, kOld);
  EXPECT_EQ(m.doc, R"({"a":"x","b":"","id":1,"v":2})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_EQ(m.conflicts[0].rule, Rule::kMoreComplete);
  // Same count: newer.
  auto n = merge(R"({"id":1,"v":0})", R"({"id":1,"v":1})", R"({"id":1,"v":2})", p, kNew, kOld);
  EXPECT_EQ(n.doc, R"({"id":1,"v":1})");
  EXPECT_EQ(n.conflicts[0].rule, Rule::kNewer);
}

TEST(MergeField, PreserveKeepsANonEmptyValueOverAnEmptyOne) {
  MergePolicy p;
  p.preserve = {"profit"};
  // Ours cleared the profit and is newer; theirs set another value.
  auto m =
      merge(R"({"id":1,"profit":5})", R"({"id":1,"profit":null})", R"({"id":1,"profit":7})", p, kNew, kOld);
  EXPECT_EQ(m.doc, R"({"id":1,"profit":7})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_EQ(m.conflicts[0].rule, Rule::kPreserve);
  // Removed instead of nulled: same.
  auto r = merge(R"({"id":1,"profit":5})", R"({"id":1})", R"({"id":1,"profit":7})", p, kNew, kOld);
  EXPECT_EQ(r.doc, R"({"id":1,"profit":7})");
  // Not listed: newer wins and the value is lost.
  auto n =
      merge(R"({"id":1,"profit":5})", R"({"id":1,"profit":null})", R"({"id":1,"profit":7})", {}, kNew, kOld);
  EXPECT_EQ(n.doc, R"({"id":1,"profit":null})");
}

TEST(MergeField, PreserveCoversFieldsInsideAListedObject) {
  MergePolicy p;
  p.preserve = {"pnl"};
  auto m = merge(R"({"id":1,"pnl":{"usd":1}})", R"({"id":1,"pnl":{"usd":""}})", R"({"id":1,"pnl":{"usd":2}})",
                 p, kNew, kOld);
  EXPECT_EQ(m.doc, R"({"id":1,"pnl":{"usd":2}})");
}

TEST(MergeField, ManualLeavesTheConflictOpenWithTheNewerValueProvisionally) {
  MergePolicy p;
  p.policy = ConflictPolicy::kManual;
  auto m = merge(R"({"id":1,"v":0,"w":0})", R"({"id":1,"v":1,"w":1})", R"({"id":1,"v":2,"w":0})", p);
  EXPECT_TRUE(m.unresolved);
  EXPECT_EQ(m.doc, R"({"id":1,"v":2,"w":1})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_EQ(m.conflicts[0].rule, Rule::kManual);
  EXPECT_FALSE(m.conflicts[0].resolved());
  // No conflicting field: nothing to settle by hand.
  auto clean = merge(R"({"id":1,"v":0,"w":0})", R"({"id":1,"v":1,"w":0})", R"({"id":1,"v":0,"w":1})", p);
  EXPECT_FALSE(clean.unresolved);
}

TEST(MergeField, PreserveSettlesWhatManualWouldLeaveOpen) {
  MergePolicy p;
  p.policy = ConflictPolicy::kManual;
  p.preserve = {"profit"};
  auto m = merge(R"({"id":1,"profit":5})", R"({"id":1,"profit":""})", R"({"id":1,"profit":7})", p);
  EXPECT_FALSE(m.unresolved);
  EXPECT_EQ(m.doc, R"({"id":1,"profit":7})");
}

TEST(MergeField, NoBaseUnitesFieldsAndResolvesDifferences) {
  auto m = merge(nullptr, R"({"id":1,"a":1,"c":1})", R"({"id":1,"b":2,"c":2})");
  EXPECT_EQ(m.doc, R"({"a":1,"b":2,"c":2,"id":1})");
  ASSERT_EQ(m.conflicts.size(), 1u);
  EXPECT_FALSE(m.conflicts[0].base.has_value());
}

TEST(MergeField, PinnedFieldsKeepOursWithoutConflict) {
  Value o = J(R"({"id":1,"u":"x","v":1})"), t = J(R"({"id":2,"u":"x","w":2})");
  std::string oc = json::to_canonical(o), tc = json::to_canonical(t);
  std::vector<Conflict> conflicts;
  DocMerge r =
      merge_documents(nullptr, SideDoc{&o, kOld, oc}, SideDoc{&t, kNew, tc}, {}, "[1]", &conflicts, {"id"});
  EXPECT_EQ(json::to_canonical(r.doc), R"({"id":1,"u":"x","v":1,"w":2})");
  EXPECT_TRUE(conflicts.empty());
}

TEST(MergeField, EmptyValues) {
  Value e1(""), e2(nullptr), e3(json::Array{}), e4(json::Object{}), n1(0), n2(false), n3(" ");
  for (const Value* v : {&e1, &e2, &e3, &e4}) EXPECT_TRUE(is_empty_value(v));
  EXPECT_TRUE(is_empty_value(nullptr));
  for (const Value* v : {&n1, &n2, &n3}) EXPECT_FALSE(is_empty_value(v));
  EXPECT_EQ(count_non_empty_fields(J(R"({"a":"","b":0,"c":null,"d":[1]})")), 2u);
}

}  // namespace
}  // namespace dbsync
