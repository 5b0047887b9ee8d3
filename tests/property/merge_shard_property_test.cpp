// The algebra DESIGN §3 requires of a merge, over random small shards:
// symmetric byte for byte, idempotent, fast-forward, no record lost or
// duplicated, nothing deleted comes back except by rule 5, one-sided field
// changes survive, merged records carry the greater rev, and the output is a
// valid shard. 100 cases each by default; more with
// RC_PARAMS="max_success=10000".
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "merge/shard_merge.h"
#include "property/merge_gen.h"
#include "snapshot/shard_reader.h"

namespace dbsync {
namespace {

using testing::Snap;

constexpr int kKeys = 12;

ShardMergeOutput merge(const std::optional<std::string>& b, const std::string& o, const std::string& t,
                       const CollectionConfig& config = {}) {
  ShardMergeInput in;
  if (b) in.base = *b;
  in.ours = o;
  in.theirs = t;
  in.spec = ShardSpec{{"id"}, 0, 1, false};
  auto r = merge_shard(in, config);
  RC_ASSERT(r.has_value());
  return std::move(*r);
}

// The output as id -> (doc, rev), checking it is a valid shard (every line
// verifies, keys strictly ascending: none duplicated).
std::map<int64_t, std::pair<json::Value, std::string>> read_back(const std::string& bytes) {
  std::map<int64_t, std::pair<json::Value, std::string>> out;
  ShardReader reader = ShardReader::from_bytes(bytes, "merged", ShardSpec{{"id"}, 0, 1, true});
  for (;;) {
    auto more = reader.next();
    if (!more) RC_FAIL("merged shard is invalid: " + more.error().message);
    if (!*more) break;
    const ShardRecord& r = reader.current();
    out[r.doc.find("id")->as_int()] = {r.doc, std::string(r.parts.rev)};
  }
  return out;
}

CollectionConfig gen_config() {
  CollectionConfig c;
  c.policy =
      *rc::gen::element(ConflictPolicy::kNewer, ConflictPolicy::kMoreComplete, ConflictPolicy::kManual);
  c.on_delete_conflict = *rc::gen::element(DeleteConflict::kKeep, DeleteConflict::kDelete);
  if (*rc::gen::arbitrary<bool>()) c.timestamp_field = "n";
  if (*rc::gen::arbitrary<bool>()) c.preserve = {"a"};
  return c;
}

RC_GTEST_PROP(MergeAlgebra, SymmetricByteForByte, ()) {
  Snap base = testing::gen_base(kKeys);
  Snap o = testing::gen_side(base, kKeys, testing::gen_side_rev("o"));
  Snap t = testing::gen_side(base, kKeys, testing::gen_side_rev("t"));
  CollectionConfig config = gen_config();
  std::string b = testing::to_shard(base), os = testing::to_shard(o), ts = testing::to_shard(t);
  RC_ASSERT(merge(b, os, ts, config).bytes == merge(b, ts, os, config).bytes);
  RC_ASSERT(merge(std::nullopt, os, ts, config).bytes == merge(std::nullopt, ts, os, config).bytes);
}

RC_GTEST_PROP(MergeAlgebra, IdempotentAndFastForward, ()) {
  Snap base = testing::gen_base(kKeys);
  Snap x = testing::gen_side(base, kKeys, testing::gen_side_rev("o"));
  Snap y = testing::gen_side(x, kKeys, testing::gen_side_rev("t"));
  CollectionConfig config = gen_config();
  std::string b = testing::to_shard(base), xs = testing::to_shard(x), ys = testing::to_shard(y);
  RC_ASSERT(merge(b, xs, xs, config).bytes == xs);             // merge(B, X, X) == X
  RC_ASSERT(merge(std::nullopt, xs, xs, config).bytes == xs);  // also without a base
  RC_ASSERT(merge(xs, xs, ys, config).bytes == ys);            // merge(X, X, Y) == Y
  RC_ASSERT(merge(xs, ys, xs, config).bytes == ys);
}

RC_GTEST_PROP(MergeAlgebra, NoRecordLostOrDuplicatedOrResurrected, ()) {
  Snap base = testing::gen_base(kKeys);
  Snap o = testing::gen_side(base, kKeys, testing::gen_side_rev("o"));
  Snap t = testing::gen_side(base, kKeys, testing::gen_side_rev("t"));
  CollectionConfig config = gen_config();
  bool two_way = *rc::gen::arbitrary<bool>();
  if (two_way) base.recs.clear();
  auto out = merge(two_way ? std::nullopt : std::optional(testing::to_shard(base)), testing::to_shard(o),
                   testing::to_shard(t), config);
  auto result = read_back(out.bytes);
  for (int64_t id = 0; id < kKeys + 4; ++id) {
    bool b = base.recs.count(id), in_o = o.recs.count(id), in_t = t.recs.count(id);
    bool expected;
    if (in_o && in_t) {
      expected = true;  // never lost
    } else if (!in_o && !in_t) {
      expected = false;  // deleted (or never there) on both: never comes back
    } else {
      const auto& side = in_o ? o.recs.at(id) : t.recs.at(id);
      bool changed = !b || !(side.first == base.recs.at(id).first);
      // An insert stays; a delete against an unchanged record wins; a delete
      // against a change follows on_delete_conflict (rule 5).
      expected = !b || (changed && config.on_delete_conflict == DeleteConflict::kKeep);
    }
    RC_ASSERT(result.count(id) == (expected ? 1u : 0u));
  }
  RC_ASSERT(out.counts.total == result.size());
  RC_ASSERT(out.counts.total ==
            out.counts.local_only + out.counts.remote_only + out.counts.common - out.counts.deleted);
}

RC_GTEST_PROP(MergeAlgebra, OneSidedFieldChangesSurviveAndMergedRevIsTheGreater, ()) {
  Snap base = testing::gen_base(kKeys);
  Snap o = testing::gen_side(base, kKeys, testing::gen_side_rev("o"));
  Snap t = testing::gen_side(base, kKeys, testing::gen_side_rev("t"));
  CollectionConfig config = gen_config();
  auto out = merge(testing::to_shard(base), testing::to_shard(o), testing::to_shard(t), config);
  auto result = read_back(out.bytes);
  for (const auto& [id, orec] : o.recs) {
    if (!t.recs.count(id)) continue;
    const auto& trec = t.recs.at(id);
    const json::Value* bdoc = base.recs.count(id) ? &base.recs.at(id).first : nullptr;
    const auto& [doc, rev] = result.at(id);
    bool o_same = bdoc && orec.first == *bdoc, t_same = bdoc && trec.first == *bdoc;
    if (orec.first == trec.first || o_same || t_same) continue;  // rules 1-3 take a whole line
    RC_ASSERT(rev == std::max(orec.second, trec.second));
    std::set<std::string> names;
    for (const auto* d : {&orec.first, &trec.first}) {
      for (const auto& [k, v] : d->as_object()) names.insert(k);
    }
    for (const auto& f : names) {
      const json::Value* bv = bdoc ? bdoc->find(f) : nullptr;
      const json::Value* ov = orec.first.find(f);
      const json::Value* tv = trec.first.find(f);
      auto eq = [](const json::Value* a, const json::Value* b) { return a && b ? *a == *b : a == b; };
      const json::Value* rv = doc.find(f);
      if (eq(ov, tv) || eq(ov, bv)) {
        RC_ASSERT(eq(rv, tv));  // same on both, or changed by theirs only
      } else if (eq(tv, bv)) {
        RC_ASSERT(eq(rv, ov));  // changed by ours only
      }
    }
  }
}

}  // namespace
}  // namespace dbsync
