// Properties of merge_snapshots over random multi-shard snapshot folders
// with a `unique` constraint: symmetric file for file, unique holds after
// the merge, every record that should survive is there or was removed as a
// duplicate of a survivor that is there, and resolving duplicates again
// finds none.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "merge/duplicates.h"
#include "merge/snapshot_merge.h"
#include "property/merge_gen.h"
#include "snapshot/layout.h"
#include "snapshot/shard_reader.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using testing::Snap;

constexpr int kKeys = 16;
constexpr uint32_t kShards = 4;
const std::vector<std::string> kKey = {"id"};

json::Value gen_unique_doc(int64_t id) {
  std::vector<json::Member> m = {{"id", json::Value(id)}, {"v", testing::gen_value(1)}};
  int u = *rc::gen::inRange(0, 4);
  if (u < 2) m.emplace_back("u", json::Value(u == 0 ? "x" : "y"));
  if (u == 2) m.emplace_back("u", json::Value(nullptr));
  m.emplace_back("t", json::Value(static_cast<int64_t>(*rc::gen::inRange(1, 3))));
  return json::make_object(std::move(m));
}

Snap gen_unique_side(const Snap& base, const std::string& side_rev) {
  Snap s;
  for (const auto& [id, rec] : base.recs) {
    int what = *rc::gen::inRange(0, 10);
    if (what < 6) {
      s.recs[id] = rec;
    } else if (what < 8) {
      s.recs[id] = {gen_unique_doc(id), side_rev};
    }
  }
  int inserts = *rc::gen::inRange(0, 5);
  for (int i = 0; i < inserts; ++i) {
    int64_t id = *rc::gen::inRange<int64_t>(0, kKeys + 8);
    if (!base.recs.count(id)) s.recs[id] = {gen_unique_doc(id), side_rev};
  }
  return s;
}

void write_snapshot(const fs::path& dir, const Snap& s) {
  SnapshotLayout layout(dir);
  std::vector<std::vector<std::pair<std::string, std::string>>> shards(kShards);
  for (const auto& [id, rec] : s.recs) {
    std::string key = "[" + std::to_string(id) + "]";
    std::string l;
    append_record_line(l, rec.first, rec.second);
    shards[shard_of(key, kShards)].emplace_back(key, l);
  }
  testing::write(layout.schema_path("c"), "{\"key\":[\"id\"]}\n");
  for (uint32_t i = 0; i < kShards; ++i) {
    std::sort(shards[i].begin(), shards[i].end());
    std::string bytes;
    for (const auto& [k, l] : shards[i]) bytes += l;
    if (!bytes.empty()) testing::write(layout.shard_path("c", i, kShards), bytes);
  }
}

// Every file under dir, relative path -> bytes.
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = testing::slurp(e.path());
  }
  return out;
}

std::map<int64_t, json::Value> read_all(const fs::path& dir) {
  SnapshotLayout layout(dir);
  std::map<int64_t, json::Value> out;
  for (uint32_t i = 0; i < kShards; ++i) {
    auto reader =
        ShardReader::open(layout.shard_path("c", i, kShards), "out", ShardSpec{kKey, i, kShards, true});
    RC_ASSERT(reader.has_value());
    for (;;) {
      auto more = reader->next();
      if (!more) RC_FAIL("merged shard is invalid: " + more.error().message);
      if (!*more) break;
      out[reader->current().doc.find("id")->as_int()] = reader->current().doc;
    }
  }
  return out;
}

RC_GTEST_PROP(MergeSnapshots, SymmetricAndUniqueHoldsAndNothingIsLost, ()) {
  Snap base;
  int n = *rc::gen::inRange(0, kKeys);
  for (int i = 0; i < n; ++i) {
    int64_t id = *rc::gen::inRange<int64_t>(0, kKeys);
    base.recs[id] = {gen_unique_doc(id), testing::rev(*rc::gen::inRange(1, 4), "b")};
  }
  Snap o = gen_unique_side(base, testing::gen_side_rev("o"));
  Snap t = gen_unique_side(base, testing::gen_side_rev("t"));
  Config config;
  CollectionConfig& cc = config.collections["c"];
  cc.shards = kShards;
  cc.key = kKey;
  cc.unique = {{"u", "t"}};
  cc.on_delete_conflict = *rc::gen::element(DeleteConflict::kKeep, DeleteConflict::kDelete);
  cc.policy = *rc::gen::element(ConflictPolicy::kNewer, ConflictPolicy::kManual);

  testing::TempDir tmp;
  fs::path bd = tmp.path() / "b", od = tmp.path() / "o", td = tmp.path() / "t";
  write_snapshot(bd, base);
  write_snapshot(od, o);
  write_snapshot(td, t);
  SnapshotMergeOptions opt;
  opt.durable = false;
  opt.threads = *rc::gen::inRange(1, 3);
  auto m1 = merge_snapshots(bd, od, td, tmp.path() / "m1", config, opt);
  RC_ASSERT(m1.has_value());
  auto m2 = merge_snapshots(bd, td, od, tmp.path() / "m2", config, opt);
  RC_ASSERT(m2.has_value());
  RC_ASSERT(files_of(tmp.path() / "m1") == files_of(tmp.path() / "m2"));
  RC_ASSERT(m1->result == m2->result);

  auto merged = read_all(tmp.path() / "m1");
  // Unique holds.
  std::set<std::string> seen;
  for (const auto& [id, doc] : merged) {
    const json::Value* u = doc.find("u");
    if (u == nullptr || u->is_null()) continue;
    RC_ASSERT(seen.insert(json::to_canonical(*u) + "|" + json::to_canonical(*doc.find("t"))).second);
  }
  // Nothing lost: each record the rules keep is there, or was removed as a
  // duplicate of a record that is there.
  RC_ASSERT(m1->collections.size() == 1u);
  std::map<int64_t, int64_t> removed;  // removed id -> survivor id
  for (const auto& d : m1->collections[0].duplicates) {
    removed[std::stoll(d.removed_key.substr(1))] = std::stoll(d.survivor_key.substr(1));
  }
  for (int64_t id = 0; id < kKeys + 8; ++id) {
    bool in_o = o.recs.count(id), in_t = t.recs.count(id), in_b = base.recs.count(id);
    bool expected =
        (in_o && in_t) ||
        (in_o != in_t && (!in_b || (!((in_o ? o : t).recs.at(id).first == base.recs.at(id).first) &&
                                    cc.on_delete_conflict == DeleteConflict::kKeep)));
    if (!expected) {
      RC_ASSERT(!merged.count(id));
    } else if (removed.count(id)) {
      RC_ASSERT(!merged.count(id));
      RC_ASSERT(merged.count(removed.at(id)) == 1u);
    } else {
      RC_ASSERT(merged.count(id) == 1u);
    }
  }
  RC_ASSERT(m1->collections[0].counts.total == merged.size());
  // A second pass finds nothing.
  auto again = resolve_duplicates(SnapshotLayout(tmp.path() / "m1"), "c", cc, kKey, nullptr, false);
  RC_ASSERT(again.has_value());
  RC_ASSERT(again->removals.empty());
  RC_TAG(m1->collections[0].duplicates.empty() ? "no duplicates" : "duplicates removed");
}

}  // namespace
}  // namespace dbsync
