// Runs the golden merge cases (tests/golden/<case>/, see README.md there):
// each case merged both ways through merge_snapshots must give exactly the
// expected records, conflicts, duplicates and result.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "config/config.h"
#include "merge/snapshot_merge.h"
#include "property/merge_test_util.h"
#include "snapshot/layout.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = fs::path(DBSYNC_SOURCE_DIR) / "tests" / "golden";
const std::string kCollection = "c";

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kRoot)) {
    if (e.is_directory() && fs::exists(e.path() / "expected.jsonl"))
      out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

struct Record {
  std::string key;   // key encoding
  std::string line;  // canonical record line, without '\n'
};

// {"d": doc, "r": rev} lines -> canonical record lines, sorted by key.
std::vector<Record> read_case_file(const fs::path& p, const std::vector<std::string>& key) {
  std::vector<Record> out;
  for (const std::string& l : lines_of(p)) {
    json::Value v = testing::parse_json(l);
    const json::Value* d = v.find("d");
    const json::Value* r = v.find("r");
    if (d == nullptr || r == nullptr || !r->is_string()) {
      ADD_FAILURE() << p << ": not {\"d\":…,\"r\":…}: " << l;
      continue;
    }
    auto k = key_encoding(*d, key);
    if (!k) {
      ADD_FAILURE() << p << ": " << k.error().message;
      continue;
    }
    std::string line;
    append_record_line(line, *d, r->as_string());
    line.pop_back();
    out.push_back({*k, line});
  }
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.key < b.key; });
  return out;
}

void write_snapshot(const fs::path& dir, const std::vector<Record>& recs, const CollectionConfig& cc) {
  SnapshotLayout layout(dir);
  std::string keys;
  for (size_t i = 0; i < cc.key.size(); ++i) keys += (i ? ",\"" : "\"") + cc.key[i] + "\"";
  testing::write(layout.schema_path(kCollection), "{\"key\":[" + keys + "]}\n");
  std::vector<std::string> shards(cc.shards);
  for (const Record& r : recs) shards[shard_of(r.key, cc.shards)] += r.line + "\n";
  for (uint32_t s = 0; s < cc.shards; ++s) {
    if (!shards[s].empty()) testing::write(layout.shard_path(kCollection, s, cc.shards), shards[s]);
  }
}

// All record lines of the merged collection, in key order across shards.
std::vector<std::string> merged_lines(const fs::path& dir, const CollectionConfig& cc) {
  SnapshotLayout layout(dir);
  std::vector<Record> all;
  for (uint32_t s = 0; s < cc.shards; ++s) {
    std::string bytes = testing::slurp(layout.shard_path(kCollection, s, cc.shards));
    std::istringstream in(bytes);
    for (std::string l; std::getline(in, l);) {
      auto parts = split_record_line(l);
      if (!parts) {
        ADD_FAILURE() << parts.error().message;
        continue;
      }
      auto doc = validate_record_line(*parts);
      if (!doc) {
        ADD_FAILURE() << doc.error().message;
        continue;
      }
      all.push_back({key_encoding(*doc, cc.key).value_or(""), l});
    }
  }
  std::sort(all.begin(), all.end(), [](const Record& a, const Record& b) { return a.key < b.key; });
  std::vector<std::string> out;
  for (const auto& r : all) out.push_back(r.line);
  return out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MergesBothWaysToTheExpectedResult) {
  fs::path dir = kRoot / GetParam();
  ASSERT_TRUE(fs::exists(dir / "README")) << "every case needs a one-line README";
  ASSERT_EQ(lines_of(dir / "README").size(), 1u);
  Config config;
  if (fs::exists(dir / "dbsync.toml")) {
    auto parsed = parse_config(testing::slurp(dir / "dbsync.toml"), (dir / "dbsync.toml").string());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    config = *parsed;
  }
  CollectionConfig& cc = config.collections[kCollection];
  if (cc.key.empty()) cc.key = {"id"};

  testing::TempDir tmp;
  bool has_base = fs::exists(dir / "base.jsonl");
  if (has_base) write_snapshot(tmp.path() / "base", read_case_file(dir / "base.jsonl", cc.key), cc);
  write_snapshot(tmp.path() / "ours", read_case_file(dir / "ours.jsonl", cc.key), cc);
  write_snapshot(tmp.path() / "theirs", read_case_file(dir / "theirs.jsonl", cc.key), cc);
  std::vector<std::string> expected;
  for (const Record& r : read_case_file(dir / "expected.jsonl", cc.key)) expected.push_back(r.line);
  std::string want_result = fs::exists(dir / "result") ? lines_of(dir / "result").at(0) : "clean";
  std::vector<std::string> want_conflicts = lines_of(dir / "conflicts");
  std::sort(want_conflicts.begin(), want_conflicts.end());
  std::vector<std::string> want_duplicates = lines_of(dir / "duplicates");
  std::sort(want_duplicates.begin(), want_duplicates.end());

  for (bool swapped : {false, true}) {
    SCOPED_TRACE(swapped ? "theirs into ours, swapped" : "theirs into ours");
    fs::path out = tmp.path() / (swapped ? "out2" : "out1");
    SnapshotMergeOptions opt;
    opt.durable = false;
    auto m = merge_snapshots(has_base ? std::optional(tmp.path() / "base") : std::nullopt,
                             tmp.path() / (swapped ? "theirs" : "ours"),
                             tmp.path() / (swapped ? "ours" : "theirs"), out, config, opt);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    EXPECT_EQ(merged_lines(out, cc), expected);
    EXPECT_EQ(merge_result_name(m->result), want_result);
    std::vector<std::string> conflicts, duplicates;
    for (const auto& c : m->collections) {
      for (const auto& k : c.conflicts)
        conflicts.push_back(k.key + " " + k.field_label() + " " + rule_name(k.rule));
      for (const auto& d : c.duplicates) duplicates.push_back(d.removed_key + " " + d.survivor_key);
    }
    std::sort(conflicts.begin(), conflicts.end());
    std::sort(duplicates.begin(), duplicates.end());
    EXPECT_EQ(conflicts, want_conflicts);
    EXPECT_EQ(duplicates, want_duplicates);
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n;
  for (char c : info.param) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(case_names()), test_name);

}  // namespace
}  // namespace dbsync
