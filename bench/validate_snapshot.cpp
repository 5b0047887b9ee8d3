// validate_snapshot: times parsing and full validation of every line of a
// snapshot through the library, for bench/snapshot_parse.sh.
//
//   validate_snapshot DIR [--threads N] [--values]
//     default   verify_snapshot(), what `dbsync verify` runs: every line split,
//               checked canonical in one pass (no tree built), hash, rev, key,
//               shard and order checked; root hash computed. --threads 0 = all cores.
//     --values  additionally builds a json::Value for every document
//               (ShardReader with parse_docs), the closest match to what
//               Python's json.loads does; one thread.
// Prints: "<mode> threads=<n> records=<r> bytes=<b> seconds=<s> records_per_s=<x> mb_per_s=<y> root=<hash>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config.h"
#include "snapshot/key.h"
#include "snapshot/shard_reader.h"
#include "snapshot/verify.h"

namespace {

[[noreturn]] void die(const dbsync::Error& e) {
  std::fprintf(stderr, "validate_snapshot: error: %s\n", e.message.c_str());
  std::exit(dbsync::exit_code_of(e.code));
}

// Every shard read with parse_docs: the value-building path.
dbsync::SnapshotSummary read_values(const dbsync::SnapshotLayout& layout, const dbsync::Config& config) {
  using namespace dbsync;
  SnapshotSummary summary;
  auto names = layout.list_collections();
  if (!names) die(names.error());
  for (const auto& name : *names) {
    auto key = collection_key(layout, config, name);
    if (!key) die(key.error());
    uint32_t count = config.collection(name).shards;
    for (uint32_t s = 0; s < count; ++s) {
      ShardSpec spec{*key, s, count, /*parse_docs=*/true};
      auto reader =
          ShardReader::open(layout.shard_path(name, s, count), layout.shard_label(name, s, count), spec);
      if (!reader) die(reader.error());
      for (;;) {
        auto more = reader->next();
        if (!more) die(more.error());
        if (!*more) break;
        if (!reader->current().doc.is_object()) die(Error(ErrorCode::kInternal, "document is not an object"));
        ++summary.records;
        summary.bytes += reader->current().line.size() + 1;
      }
    }
  }
  return summary;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dbsync;
  std::string dir;
  unsigned threads = 0;
  bool values = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (a == "--values") {
      values = true;
    } else if (!a.empty() && a[0] != '-' && dir.empty()) {
      dir = a;
    } else {
      std::fprintf(stderr, "usage: validate_snapshot DIR [--threads N] [--values]\n");
      return 2;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: validate_snapshot DIR [--threads N] [--values]\n");
    return 2;
  }
  auto config = load_config(dir);
  if (!config) die(config.error());
  SnapshotLayout layout(dir);
  auto start = std::chrono::steady_clock::now();
  SnapshotSummary summary;
  if (values) {
    threads = 1;
    summary = read_values(layout, *config);
  } else {
    VerifyOptions options;
    options.threads = threads;
    auto result = verify_snapshot(layout, *config, {}, options);
    if (!result) die(result.error());
    summary = std::move(*result);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s threads=%u records=%llu bytes=%llu seconds=%.3f records_per_s=%.0f mb_per_s=%.1f root=%s\n",
              values ? "values" : "verify", threads, static_cast<unsigned long long>(summary.records),
              static_cast<unsigned long long>(summary.bytes), secs,
              static_cast<double>(summary.records) / secs, static_cast<double>(summary.bytes) / secs / 1e6,
              values ? "-" : to_hex(summary.root).c_str());
  return 0;
}
