// dbsync verify [DIR]: checks every line of a snapshot and prints
// per-collection record counts and the root hash.
#include <fmt/format.h>

#include "cli/command.h"
#include "config/config.h"
#include "snapshot/verify.h"
#include "sync/replica.h"
#include "sync/verify_db.h"
#include "util/progress.h"

namespace dbsync::cli {
namespace {

class VerifyCommand : public Command {
 public:
  const char* name() const override { return "verify"; }
  const char* summary() const override {
    return "Check a snapshot's integrity; print record counts and the root hash";
  }
  void add_options(CLI::App& app) override {
    app.add_option("dir", dir_, "Snapshot folder (a sync repository; default: -C or the current folder)");
    app.add_option("--db", db_, "Database URL to check against the snapshot (default: the replica's)");
    app.add_flag("--snapshot-only", snapshot_only_, "Check the snapshot files only, not the database");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    std::string repo = dir_.empty() ? common.repo : dir_;
    auto config = load_config(repo);
    if (!config) return std::unexpected(config.error());
    SnapshotLayout layout(repo);
    std::error_code ec;
    if (!std::filesystem::is_directory(layout.snapshot_dir(), ec)) {
      return fail(ErrorCode::kUsage, "no snapshot at '" + layout.snapshot_dir().string() + "'",
                  "run it in a sync repository, or name one: dbsync verify DIR");
    }
    Progress progress("verifying", 0, out.show_progress());
    auto summary = verify_snapshot(layout, *config, progress.reporter());
    progress.finish();
    if (!summary) return std::unexpected(summary.error());

    json::Array collections;
    std::string text =
        fmt::format("{:<24} {:>12} {:>7} {:>12}  {}\n", "collection", "records", "shards", "bytes", "digest");
    for (const auto& c : summary->collections) {
      text += fmt::format("{:<24} {:>12} {:>7} {:>12}  {}\n", c.name, c.records, c.shard_count, c.bytes,
                          to_hex(c.digest));
      json::Array key;
      for (const auto& k : c.key) key.emplace_back(k);
      collections.push_back(json::make_object({{"name", c.name},
                                               {"key", json::Value(std::move(key))},
                                               {"records", json::Value(static_cast<int64_t>(c.records))},
                                               {"shards", json::Value(static_cast<int64_t>(c.shard_count))},
                                               {"bytes", json::Value(static_cast<int64_t>(c.bytes))},
                                               {"digest", to_hex(c.digest)}}));
    }
    text += fmt::format("total: {} records in {} collections, {} bytes\nroot hash: {}\nsnapshot OK\n",
                        summary->records, summary->collections.size(), summary->bytes, to_hex(summary->root));
    // In a replica (no DIR given) the database is checked against the
    // snapshot too; a folder with no database configured is checked alone.
    std::string db_root;
    if (dir_.empty() && !snapshot_only_) {
      ReplicaOptions opts;
      opts.repo = repo;
      opts.db_url = db_;
      auto replica = open_replica(opts);
      if (replica || !db_.empty() || replica.error().code != ErrorCode::kUsage) {
        auto check = verify_database(opts);
        if (!check) {
          out.text(text);
          return std::unexpected(check.error());
        }
        db_root = to_hex(check->db_root);
        text += fmt::format("database: {} records, root hash {}\ndatabase matches the snapshot\n",
                            check->db_records, db_root);
      }
    }
    out.text(text);
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"collections", json::Value(std::move(collections))},
                                {"records", json::Value(static_cast<int64_t>(summary->records))},
                                {"root_hash", to_hex(summary->root)},
                                {"database_root_hash", db_root}}));
    return {};
  }

 private:
  std::string dir_;
  std::string db_;
  bool snapshot_only_ = false;
};

}  // namespace

std::unique_ptr<Command> make_verify_command() { return std::make_unique<VerifyCommand>(); }

}  // namespace dbsync::cli
