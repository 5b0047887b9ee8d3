// dbsync restore [BACKUP] | --at <revision>: undo an import from its backup,
// or rebuild the database from a snapshot in git history (sync/restore.h).
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/restore.h"

namespace dbsync::cli {
namespace {

json::Value n(uint64_t v) { return json::Value(static_cast<int64_t>(v)); }

class RestoreCommand : public Command {
 public:
  const char* name() const override { return "restore"; }
  const char* summary() const override {
    return "Undo an import from its backup, or rebuild the database from a snapshot in git history";
  }
  void add_options(CLI::App& app) override {
    app.add_option("backup", request_.backup, "Backup id (default: the newest applied import)");
    app.add_option("--at", request_.at, "Rebuild from the snapshot committed at this git revision");
    app.add_flag("--force", request_.force, "Also restore records the application changed after that import");
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    ReplicaOptions opts;
    opts.repo = common.repo;
    opts.db_url = db_;
    auto r = run_restore(opts, request_);
    if (!r) return std::unexpected(r.error());
    for (const auto& w : r->warnings) out.warn(w);
    std::string text =
        r->wrote()
            ? fmt::format("restored from {}: {} inserted, {} updated, {} deleted records (backup {})\n",
                          r->source, r->inserted, r->updated, r->deleted, r->backup_id)
            : fmt::format("nothing to restore from {}: the database already holds it\n", r->source);
    json::Array skipped;
    for (const auto& s : r->skipped_records) {
      text += fmt::format("  skipped {} {}: {}\n", s.collection, s.key, s.reason);
      skipped.push_back(
          json::make_object({{"collection", s.collection}, {"key", s.key}, {"reason", s.reason}}));
    }
    if (r->skipped > 0) text += "use --force to restore those records too\n";
    if (r->wrote()) text += "the next 'dbsync export' publishes the restored records to the other replicas\n";
    out.text(text);
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"source", r->source},
                                {"backup", r->backup_id},
                                {"inserted", n(r->inserted)},
                                {"updated", n(r->updated)},
                                {"deleted", n(r->deleted)},
                                {"unchanged", n(r->unchanged)},
                                {"skipped", n(r->skipped)},
                                {"skipped_records", json::Value(std::move(skipped))}}));
    return {};
  }

 private:
  RestoreRequest request_;
  std::string db_;
};

}  // namespace

std::unique_ptr<Command> make_restore_command() { return std::make_unique<RestoreCommand>(); }

}  // namespace dbsync::cli
