// dbsync stats: per-collection counts, sizes and pending changes, the last
// sync, backups and root hashes (sync/stats.h).
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/stats.h"

namespace dbsync::cli {
namespace {

json::Value n(uint64_t v) { return json::Value(static_cast<int64_t>(v)); }

class StatsCommand : public Command {
 public:
  const char* name() const override { return "stats"; }
  const char* summary() const override {
    return "Show counts, sizes, pending changes, last sync and root hashes";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    ReplicaOptions opts;
    opts.repo = common.repo;
    opts.db_url = db_;
    auto s = replica_stats(opts);
    if (!s) return std::unexpected(s.error());
    std::string text = fmt::format("{:<24} {:>10} {:>10} {:>6} {:>12} {:>9}\n", "collection", "database",
                                   "snapshot", "shards", "bytes", "pending");
    json::Array cols;
    for (const auto& c : s->collections) {
      text += fmt::format("{:<24} {:>10} {:>10} {:>6} {:>12} {:>9}\n", c.name, c.db_records,
                          c.snapshot_records, c.shards, c.snapshot_bytes, c.added + c.changed + c.deleted);
      cols.push_back(json::make_object({{"name", c.name},
                                        {"database_records", n(c.db_records)},
                                        {"snapshot_records", n(c.snapshot_records)},
                                        {"shards", n(c.shards)},
                                        {"snapshot_bytes", n(c.snapshot_bytes)},
                                        {"snapshot_digest", c.snapshot_digest},
                                        {"pending_added", n(c.added)},
                                        {"pending_changed", n(c.changed)},
                                        {"pending_deleted", n(c.deleted)}}));
    }
    const auto& m = s->status.matched;
    text += fmt::format("total: {} records in the database, {} in the snapshot ({} bytes)\n", s->db_records,
                        s->snapshot_records, s->snapshot_bytes);
    text += m ? fmt::format("last sync: {} at {}{}\n", m->op, m->time,
                            m->commit.empty() ? "" : ", commit " + m->commit)
              : std::string("last sync: never\n");
    text += fmt::format("backups: {}{}\n", s->backups.size(),
                        s->backups.empty() ? "" : " (latest " + s->backups.back().id + ")");
    text += fmt::format("database root hash: {}\nsnapshot root hash: {}\n", s->db_root, s->snapshot_root);
    out.text(text);
    out.emit(json::make_object(
        {{"ok", json::Value(true)},
         {"collections", json::Value(std::move(cols))},
         {"database_records", n(s->db_records)},
         {"snapshot_records", n(s->snapshot_records)},
         {"snapshot_bytes", n(s->snapshot_bytes)},
         {"last_sync",
          m ? json::make_object({{"op", m->op}, {"time", m->time}, {"commit", m->commit}}) : json::Value()},
         {"backups", n(s->backups.size())},
         {"database_root_hash", s->db_root},
         {"snapshot_root_hash", s->snapshot_root}}));
    return {};
  }

 private:
  std::string db_;
};

}  // namespace

std::unique_ptr<Command> make_stats_command() { return std::make_unique<StatsCommand>(); }

}  // namespace dbsync::cli
