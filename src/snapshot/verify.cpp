#include "snapshot/verify.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "snapshot/key.h"
#include "snapshot/schema.h"
#include "snapshot/shard_reader.h"
#include "util/file.h"

namespace dbsync {
namespace {

// One shard to check, and what checking it found.
struct ShardTask {
  size_t collection = 0;
  uint32_t shard = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::optional<Error> error;
};

// Stray files: a .jsonl that is not a shard of this collection's count
// would otherwise be ignored silently (e.g. after `shards` changed).
Status check_file_names(const SnapshotLayout& layout, const std::string& name, uint32_t shard_count) {
  auto files = list_files(layout.collection_dir(name));
  if (!files) return std::unexpected(files.error());
  for (const auto& f : *files) {
    uint32_t shard;
    if (f.size() > 6 && f.substr(f.size() - 6) == ".jsonl" && !parse_shard_file_name(f, shard_count, shard)) {
      return fail(ErrorCode::kBadInput,
                  "'" + std::string(kSnapshotDirName) + "/" + name + "/" + f + "' is not a shard of a " +
                      std::to_string(shard_count) + "-shard collection",
                  "check `shards` for '" + name + "' in dbsync.toml");
    }
  }
  return {};
}

void check_shard(const SnapshotLayout& layout, const CollectionSummary& cs, ShardTask& task,
                 ContentDigest& digest) {
  ShardSpec spec{cs.key, task.shard, cs.shard_count, /*parse_docs=*/false};
  auto reader = ShardReader::open(layout.shard_path(cs.name, task.shard, cs.shard_count),
                                  layout.shard_label(cs.name, task.shard, cs.shard_count), spec);
  if (!reader) {
    task.error = reader.error();
    return;
  }
  for (;;) {
    auto more = reader->next();
    if (!more) {
      task.error = more.error();
      return;
    }
    if (!*more) break;
    const ShardRecord& rec = reader->current();
    digest.add(cs.name, task.shard, rec.hash);
    ++task.records;
    task.bytes += rec.line.size() + 1;
  }
}

}  // namespace

Result<std::vector<std::string>> collection_key(const SnapshotLayout& layout, const Config& config,
                                                const std::string& name) {
  const CollectionConfig& cc = config.collection(name);
  if (!cc.key.empty()) return cc.key;
  auto schema = load_schema(layout.schema_path(name),
                            std::string(kSnapshotDirName) + "/" + name + "/" + kSchemaFileName);
  if (!schema) return std::unexpected(schema.error());
  return schema->key;
}

Result<SnapshotSummary> verify_snapshot(const SnapshotLayout& layout, const Config& config,
                                        const ProgressFn& progress, const VerifyOptions& options) {
  auto names = layout.list_collections();
  if (!names) return std::unexpected(names.error());

  SnapshotSummary summary;
  std::vector<ShardTask> tasks;
  for (const auto& name : *names) {
    CollectionSummary cs;
    cs.name = name;
    cs.shard_count = config.collection(name).shards;
    auto key = collection_key(layout, config, name);
    if (!key) return std::unexpected(key.error());
    cs.key = *key;
    if (auto st = check_file_names(layout, name, cs.shard_count); !st) return std::unexpected(st.error());
    for (uint32_t shard = 0; shard < cs.shard_count; ++shard) {
      ShardTask task;
      task.collection = summary.collections.size();
      task.shard = shard;
      tasks.push_back(std::move(task));
    }
    summary.collections.push_back(std::move(cs));
  }

  unsigned threads = options.threads;
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(tasks.size(), 1)));

  // Workers take shards in order; once a shard fails, shards after it are
  // skipped, and the first failure in order is reported.
  std::atomic<size_t> next_task{0};
  std::atomic<size_t> first_error{tasks.size()};
  std::mutex progress_mutex;
  uint64_t done = 0;
  std::vector<ContentDigest> digests(threads);
  auto work = [&](unsigned worker) {
    for (;;) {
      size_t i = next_task.fetch_add(1);
      if (i >= tasks.size() || i > first_error.load()) return;
      ShardTask& task = tasks[i];
      check_shard(layout, summary.collections[task.collection], task, digests[worker]);
      if (task.error) {
        size_t seen = first_error.load();
        while (i < seen && !first_error.compare_exchange_weak(seen, i)) {
        }
      }
      if (progress) {
        std::lock_guard lock(progress_mutex);
        progress(++done, tasks.size());
      }
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::jthread> pool;
    for (unsigned w = 0; w < threads; ++w) pool.emplace_back(work, w);
  }
  if (first_error.load() < tasks.size()) return std::unexpected(*tasks[first_error.load()].error);

  ContentDigest digest;
  for (const auto& d : digests) digest.merge(d);
  for (const auto& task : tasks) {
    CollectionSummary& cs = summary.collections[task.collection];
    cs.records += task.records;
    cs.bytes += task.bytes;
    if (task.records > 0) ++cs.shard_files;
  }
  for (auto& cs : summary.collections) {
    digest.touch(cs.name);
    cs.digest = digest.collection_digest(cs.name);
    summary.records += cs.records;
    summary.bytes += cs.bytes;
  }
  summary.root = digest.root();
  return summary;
}

}  // namespace dbsync
