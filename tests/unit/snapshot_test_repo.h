// Builds snapshot repositories on disk for the verify tests (unit and e2e),
// by hand: dbsync.toml and schema.json as text, shard placement with XXH3
// called directly, lines sorted by key bytes.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "json/parse.h"
#include "snapshot/key.h"
#include "unit/snapshot_test_util.h"

namespace dbsync::testing {

struct TestCollection {
  std::string name;
  uint32_t shards = 1;
  std::vector<std::string> key{"id"};
  std::vector<std::string> docs;  // canonical documents
  std::string rev = std::string(kTestRev);
};

// A canonical PNL-like document; `profit` is its canonical number text.
inline std::string pnl_doc(int64_t id, std::string_view profit = "1.5", std::string_view note = "n") {
  return "{\"id\":" + std::to_string(id) + ",\"note\":\"" + std::string(note) +
         "\",\"profit_usd\":" + std::string(profit) + ",\"user_id\":" + std::to_string(id % 7) + "}";
}

inline std::string shard_path_label(const std::string& name, uint32_t shard, uint32_t count) {
  return "dbsync/" + name + "/" + shard_file_name(shard, count);
}

// Writes the collections; returns, per shard file label, the lines in order.
inline std::map<std::string, std::vector<std::string>> write_snapshot(const std::filesystem::path& repo,
                                                                      const std::vector<TestCollection>& cs) {
  std::string toml = "version = 1\n";
  std::map<std::string, std::vector<std::string>> files;
  for (const auto& c : cs) {
    toml += "\n[collections." + c.name + "]\nshards = " + std::to_string(c.shards) + "\n";
    std::string schema = "{\"key\":[";
    for (size_t i = 0; i < c.key.size(); ++i) schema += (i ? ",\"" : "\"") + c.key[i] + "\"";
    spit(repo / "dbsync" / c.name / "schema.json", schema + "]}\n");
    std::map<uint32_t, std::vector<std::pair<std::string, std::string>>> shards;
    for (const auto& d : c.docs) {
      auto v = json::parse(d);
      auto key = key_encoding(*v, c.key);
      shards[static_cast<uint32_t>(shard_by_hand(*key, c.shards))].emplace_back(*key, make_line(d, c.rev));
    }
    for (auto& [shard, lines] : shards) {
      std::sort(lines.begin(), lines.end());
      std::string bytes;
      auto& labelled = files[shard_path_label(c.name, shard, c.shards)];
      for (const auto& [k, l] : lines) {
        bytes += l + "\n";
        labelled.push_back(l);
      }
      spit(repo / shard_path_label(c.name, shard, c.shards), bytes);
    }
  }
  spit(repo / "dbsync.toml", toml);
  return files;
}

}  // namespace dbsync::testing
