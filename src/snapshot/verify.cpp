#include "snapshot/verify.h"

#include "snapshot/key.h"
#include "snapshot/schema.h"
#include "snapshot/shard_reader.h"
#include "util/file.h"

namespace dbsync {

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
                                        const ProgressFn& progress) {
  auto names = layout.list_collections();
  if (!names) return std::unexpected(names.error());
  uint64_t total_shards = 0, done = 0;
  for (const auto& name : *names) total_shards += config.collection(name).shards;

  SnapshotSummary summary;
  ContentDigest digest;
  for (const auto& name : *names) {
    CollectionSummary cs;
    cs.name = name;
    cs.shard_count = config.collection(name).shards;
    auto key = collection_key(layout, config, name);
    if (!key) return std::unexpected(key.error());
    cs.key = *key;
    auto files = list_files(layout.collection_dir(name));
    if (!files) return std::unexpected(files.error());
    for (const auto& f : *files) {
      uint32_t shard;
      if (f == kSchemaFileName) continue;
      if (f.size() > 6 && f.substr(f.size() - 6) == ".jsonl" &&
          !parse_shard_file_name(f, cs.shard_count, shard)) {
        return fail(ErrorCode::kBadInput,
                    "'" + std::string(kSnapshotDirName) + "/" + name + "/" + f + "' is not a shard of a " +
                        std::to_string(cs.shard_count) + "-shard collection",
                    "check `shards` for '" + name + "' in dbsync.toml");
      }
    }
    digest.touch(name);
    for (uint32_t shard = 0; shard < cs.shard_count; ++shard) {
      ShardSpec spec{cs.key, shard, cs.shard_count};
      auto path = layout.shard_path(name, shard, cs.shard_count);
      auto reader = ShardReader::open(path, layout.shard_label(name, shard, cs.shard_count), spec);
      if (!reader) return std::unexpected(reader.error());
      bool any = false;
      for (;;) {
        auto more = reader->next();
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        any = true;
        const ShardRecord& rec = reader->current();
        Digest128 h;
        from_hex(rec.parts.hash, h);
        digest.add(name, shard, h);
        ++cs.records;
        cs.bytes += rec.line.size() + 1;
      }
      if (any) ++cs.shard_files;
      if (progress) progress(++done, total_shards);
    }
    cs.digest = digest.collection_digest(name);
    summary.records += cs.records;
    summary.bytes += cs.bytes;
    summary.collections.push_back(std::move(cs));
  }
  summary.root = digest.root();
  return summary;
}

}  // namespace dbsync
