// dbsync status: what changed in the database since the last export or
// import, and what arrived in the snapshot that is not imported yet
// (sync/status.h). Like `git status`, it always exits 0.
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/status.h"

namespace dbsync::cli {
namespace {

json::Value n(uint64_t v) { return json::Value(static_cast<int64_t>(v)); }

class StatusCommand : public Command {
 public:
  const char* name() const override { return "status"; }
  const char* summary() const override { return "Show changes since the last export or import"; }
  void add_options(CLI::App& app) override {
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    ReplicaOptions opts;
    opts.repo = common.repo;
    opts.db_url = db_;
    auto st = replica_status(opts);
    if (!st) return std::unexpected(st.error());

    std::string text = fmt::format("replica {}, database {}\n", st->replica, st->database);
    if (st->matched) {
      text += fmt::format("last {}: {}{}\n", st->matched->op, st->matched->time,
                          st->matched->commit.empty() ? "" : " (commit " + st->matched->commit + ")");
    } else {
      text += "never exported or imported\n";
    }
    if (st->import_interrupted) text += "an import was interrupted: run 'dbsync import' to finish it\n";
    if (st->export_interrupted) text += "an export was interrupted: the next export or import finishes it\n";
    if (!st->tree_changed.empty()) {
      text += "snapshot changes not imported yet (run 'dbsync import'):\n";
      for (const auto& f : st->tree_changed) text += "  " + f + "\n";
    }
    json::Array cols;
    if (st->pending_export()) {
      text += "changes to export (run 'dbsync export'):\n";
    }
    for (const auto& c : st->collections) {
      if (c.added + c.changed + c.deleted > 0) {
        text +=
            fmt::format("  {:<24} {} added, {} changed, {} deleted\n", c.name, c.added, c.changed, c.deleted);
      }
      if (!c.in_database) text += fmt::format("  {:<24} not in the database\n", c.name);
      cols.push_back(json::make_object({{"name", c.name},
                                        {"in_database", c.in_database},
                                        {"records", n(c.records)},
                                        {"added", n(c.added)},
                                        {"changed", n(c.changed)},
                                        {"deleted", n(c.deleted)}}));
    }
    if (!st->pending_export()) text += "nothing to export: the database matches the last export or import\n";
    json::Array skipped, tree;
    for (const auto& s : st->skipped) {
      text += fmt::format("not synced: table '{}': {}\n", s.name, s.reason);
      skipped.push_back(json::make_object({{"name", s.name}, {"reason", s.reason}}));
    }
    for (const auto& f : st->tree_changed) tree.emplace_back(f);
    out.text(text);
    json::Value matched = st->matched ? json::make_object({{"op", st->matched->op},
                                                           {"time", st->matched->time},
                                                           {"commit", st->matched->commit},
                                                           {"root_hash", st->matched->root}})
                                      : json::Value();
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"replica", st->replica},
                                {"database", st->database},
                                {"matched", std::move(matched)},
                                {"import_interrupted", st->import_interrupted},
                                {"export_interrupted", st->export_interrupted},
                                {"snapshot_changed", json::Value(std::move(tree))},
                                {"added", n(st->added)},
                                {"changed", n(st->changed)},
                                {"deleted", n(st->deleted)},
                                {"collections", json::Value(std::move(cols))},
                                {"not_synced", json::Value(std::move(skipped))}}));
    return {};
  }

 private:
  std::string db_;
};

}  // namespace

std::unique_ptr<Command> make_status_command() { return std::make_unique<StatusCommand>(); }

}  // namespace dbsync::cli
