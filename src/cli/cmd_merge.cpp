// dbsync merge SOURCE: merges another replica's snapshot folder, an export
// of the original tool or mongoexport output into this replica and imports
// the result (sync/merge_source.h). Prints the merge report; exit 1 when
// `manual` conflicts wait for `dbsync resolve`.
#include "cli/command.h"
#include "cli/merge_source_run.h"

namespace dbsync::cli {
namespace {

class MergeCommand : public Command {
 public:
  const char* name() const override { return "merge"; }
  const char* summary() const override {
    return "Merge another replica's snapshot or an old export into this replica";
  }
  void add_options(CLI::App& app) override {
    app.add_option("source", source_,
                   "Another replica's snapshot folder, or an export file: a JSON array, "
                   "{collection: [documents]}, or mongoexport NDJSON")
        ->required();
    app.add_option("--collection", collection_,
                   "The collection an array or NDJSON file holds (default: the file name without extension)");
    app.add_option("--format", format_, "auto, array, collections or ndjson (default: auto)");
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    return run_merge_source_command(
        {.repo = common.repo, .db_url = db_, .source = source_, .collection = collection_, .format = format_},
        out);
  }

 private:
  std::string source_, collection_, db_;
  std::string format_ = "auto";
};

}  // namespace

std::unique_ptr<Command> make_merge_command() { return std::make_unique<MergeCommand>(); }

}  // namespace dbsync::cli
