// dbsync export: database -> snapshot against the matched state
// (sync/export.h). Prints per-collection counts of added, changed and
// deleted records and the rev they got.
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/export.h"
#include "util/progress.h"

namespace dbsync::cli {
namespace {

class ExportCommand : public Command {
 public:
  const char* name() const override { return "export"; }
  const char* summary() const override {
    return "Write the database's new, changed and deleted records to the snapshot";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    Progress bar("exporting", 0, out.show_progress());
    ReplicaOptions opts;
    opts.repo = common.repo;
    opts.db_url = db_;
    opts.progress = bar.reporter();
    auto r = run_export(opts);
    bar.finish();
    if (!r) return std::unexpected(r.error());
    for (const auto& w : r->warnings) out.warn(w);

    std::string text;
    json::Array cols;
    for (const auto& c : r->collections) {
      if (c.added + c.changed + c.deleted > 0) {
        text += fmt::format("  {:<24} {:>10} records  +{} ~{} -{}\n", c.name, c.records, c.added, c.changed,
                            c.deleted);
      }
      cols.push_back(json::make_object({{"name", c.name},
                                        {"records", json::Value(static_cast<int64_t>(c.records))},
                                        {"added", json::Value(static_cast<int64_t>(c.added))},
                                        {"changed", json::Value(static_cast<int64_t>(c.changed))},
                                        {"deleted", json::Value(static_cast<int64_t>(c.deleted))}}));
    }
    if (r->changed_any()) {
      text = fmt::format("exported {} added, {} changed, {} deleted records (rev {})\n", r->added, r->changed,
                         r->deleted, r->rev) +
             text;
    } else {
      text = "nothing to export: the database matches the snapshot\n";
    }
    text += fmt::format("snapshot: {} records in {} collections, root hash {}\n", r->records,
                        r->collections.size(), r->root);
    out.text(text);
    json::Array warnings;
    for (const auto& w : r->warnings) warnings.emplace_back(w);
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"rev", r->rev},
                                {"added", json::Value(static_cast<int64_t>(r->added))},
                                {"changed", json::Value(static_cast<int64_t>(r->changed))},
                                {"deleted", json::Value(static_cast<int64_t>(r->deleted))},
                                {"records", json::Value(static_cast<int64_t>(r->records))},
                                {"root_hash", r->root},
                                {"collections", json::Value(std::move(cols))},
                                {"warnings", json::Value(std::move(warnings))}}));
    return {};
  }

 private:
  std::string db_;
};

}  // namespace

std::unique_ptr<Command> make_export_command() { return std::make_unique<ExportCommand>(); }

}  // namespace dbsync::cli
