// dbsync resolve KEY --take ours|theirs|FILE [--collection NAME]: settles
// one record a `manual` merge left open (sync/conflicts.h). The decision
// goes into the shard with a new rev; the database gets it from the next
// `dbsync sync`. A file literally named `ours` or `theirs` is `./ours`.
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/conflicts.h"

namespace dbsync::cli {
namespace {

class ResolveCommand : public Command {
 public:
  const char* name() const override { return "resolve"; }
  const char* summary() const override { return "Decide a conflicted record: --take ours|theirs|FILE"; }
  void add_options(CLI::App& app) override {
    app.add_option("key", options_.key,
                   "The record's key as 'dbsync conflicts' lists it ('[\"k1\"]'), or the plain value of a "
                   "one-field key (k1)")
        ->required();
    app.add_option("--take", take_,
                   "ours (this replica's record), theirs (the merged-in one), or FILE: a JSON object "
                   "holding the whole record")
        ->required();
    app.add_option("--collection", options_.collection, "The collection, when the key is in several");
  }
  Status run(const CommonOptions& common, const Output& out) override {
    options_.repo = common.repo;
    if (take_ == "ours") {
      options_.take = TakeSide::kOurs;
    } else if (take_ == "theirs") {
      options_.take = TakeSide::kTheirs;
    } else {
      options_.take = TakeSide::kFile;
      options_.file = take_;
    }
    auto r = resolve_conflict(options_);
    if (!r) return std::unexpected(r.error());
    std::string took = options_.take == TakeSide::kOurs     ? "ours"
                       : options_.take == TakeSide::kTheirs ? "theirs"
                                                            : "'" + take_ + "'";
    std::string next;
    if (r->remaining > 0) {
      next = fmt::format("{} more record{} wait{}: 'dbsync conflicts'", r->remaining,
                         r->remaining == 1 ? "" : "s", r->remaining == 1 ? "s" : "");
    } else if (r->rebase_in_progress) {
      next = "'git rebase --continue', then 'dbsync sync' to import the decision into the database";
    } else if (r->merge_in_progress) {
      next = "'dbsync sync' commits the merge, imports it into the database and pushes it";
    } else {
      next = "'dbsync sync' imports the decision into the database, commits and pushes it";
    }
    out.text(fmt::format("resolved {} {}: took {}, rev {}, written to {}{}\nnext: {}\n", r->collection,
                         r->key, took, r->rev, r->path, r->staged ? " (staged)" : "", next));
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"collection", r->collection},
                                {"key", r->key},
                                {"took", options_.take == TakeSide::kFile ? take_ : took},
                                {"rev", r->rev},
                                {"path", r->path},
                                {"line", r->line},
                                {"staged", json::Value(r->staged)},
                                {"remaining", json::Value(static_cast<int64_t>(r->remaining))},
                                {"next", next}}));
    return {};
  }

 private:
  ResolveOptions options_;
  std::string take_;
};

}  // namespace

std::unique_ptr<Command> make_resolve_command() { return std::make_unique<ResolveCommand>(); }

}  // namespace dbsync::cli
