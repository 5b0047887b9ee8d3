// dbsync import: snapshot -> database, three-way against the matched state,
// in one transaction after a backup (sync/import.h). Prints what it wrote,
// what was already in sync, and every record it skipped because the
// application changed it since the last export.
//
// `--from FILE` takes an export file (the original tool's JSON, mongoexport)
// or another replica's snapshot folder instead: the same operation as
// `dbsync merge FILE` — merged in, never deleting, a stale copy never rolling
// a record back (docs/MERGE_FILES.md says why it is not a replace).
#include <fmt/format.h>

#include "cli/command.h"
#include "cli/merge_source_run.h"
#include "sync/import.h"
#include "util/progress.h"

namespace dbsync::cli {
namespace {

json::Value count(uint64_t n) { return json::Value(static_cast<int64_t>(n)); }

class ImportCommand : public Command {
 public:
  const char* name() const override { return "import"; }
  const char* summary() const override {
    return "Apply the snapshot to the database in one transaction, after a backup";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
    auto* from = app.add_option("--from", from_,
                                "Merge in an export file (JSON array, {collection: [documents]}, mongoexport "
                                "NDJSON) or another replica's snapshot folder, as 'dbsync merge FROM' does");
    app.add_option(
           "--collection", collection_,
           "With --from: the collection an array or NDJSON file holds (default: the file name's stem)")
        ->needs(from);
    app.add_option("--format", format_, "With --from: auto, array, collections or ndjson (default: auto)")
        ->needs(from);
  }

  Status run(const CommonOptions& common, const Output& out) override {
    if (!from_.empty()) {
      return run_merge_source_command(
          {.repo = common.repo, .db_url = db_, .source = from_, .collection = collection_, .format = format_},
          out);
    }
    Progress bar("importing", 0, out.show_progress());
    ReplicaOptions opts;
    opts.repo = common.repo;
    opts.db_url = db_;
    opts.progress = bar.reporter();
    auto r = run_import(opts);
    bar.finish();
    if (!r) return std::unexpected(r.error());
    for (const auto& w : r->warnings) out.warn(w);

    std::string text;
    json::Array cols, skipped;
    for (const auto& c : r->collections) {
      if (c.inserted + c.updated + c.deleted + c.skipped > 0 || c.created) {
        text += fmt::format("  {:<24} +{} ~{} -{}{}{}\n", c.name, c.inserted, c.updated, c.deleted,
                            c.skipped ? fmt::format("  skipped {}", c.skipped) : "",
                            c.created ? "  (table created)" : "");
      }
      cols.push_back(json::make_object({{"name", c.name},
                                        {"records", count(c.records)},
                                        {"inserted", count(c.inserted)},
                                        {"updated", count(c.updated)},
                                        {"deleted", count(c.deleted)},
                                        {"in_sync", count(c.in_sync)},
                                        {"skipped", count(c.skipped)},
                                        {"created", c.created}}));
    }
    for (const auto& s : r->skipped_records) {
      text += fmt::format("  skipped {} {}: {}\n", s.collection, s.key, s.reason);
      skipped.push_back(
          json::make_object({{"collection", s.collection}, {"key", s.key}, {"reason", s.reason}}));
    }
    std::string head = r->wrote()
                           ? fmt::format("imported {} inserted, {} updated, {} deleted records (backup {})\n",
                                         r->inserted, r->updated, r->deleted, r->backup_id)
                           : std::string("nothing to import: the database already holds the snapshot\n");
    if (r->skipped > 0) {
      head += fmt::format(
          "{} records changed in the database since the last export were kept; "
          "'dbsync export' publishes them\n",
          r->skipped);
    }
    out.text(head + text + fmt::format("matched state root hash {}\n", r->root));
    json::Array warnings;
    for (const auto& w : r->warnings) warnings.emplace_back(w);
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"backup", r->backup_id},
                                {"inserted", count(r->inserted)},
                                {"updated", count(r->updated)},
                                {"deleted", count(r->deleted)},
                                {"in_sync", count(r->in_sync)},
                                {"skipped", count(r->skipped)},
                                {"normalized", count(r->normalized)},
                                {"root_hash", r->root},
                                {"collections", json::Value(std::move(cols))},
                                {"skipped_records", json::Value(std::move(skipped))},
                                {"warnings", json::Value(std::move(warnings))}}));
    return {};
  }

 private:
  std::string db_, from_, collection_;
  std::string format_ = "auto";
};

}  // namespace

std::unique_ptr<Command> make_import_command() { return std::make_unique<ImportCommand>(); }

}  // namespace dbsync::cli
