// dbsync sync [--remote NAME]: import what is pending, export, commit,
// fetch, merge, import, push (sync/git_sync.h); prints the merge report.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/command.h"
#include "report/report.h"
#include "sync/git_sync.h"

namespace dbsync::cli {
namespace {

class SyncCommand : public Command {
 public:
  const char* name() const override { return "sync"; }
  const char* summary() const override {
    return "Export, commit, fetch, merge, import and push: leave every replica with the merged data";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--remote", options_.remote,
                   "The git remote (default: the branch's upstream, else origin)");
    app.add_option("--db", options_.replica.db_url,
                   "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
    app.add_option("--attempts", options_.max_attempts, "Rounds of fetch-merge-push before giving up")
        ->check(CLI::Range(1, 100));
    app.add_flag("--quiet,-q", quiet_, "Print only the summary line");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    options_.replica.repo = common.repo;
    bool steps = !out.json() && !quiet_;
    options_.on_step = [steps](const std::string& what) {
      if (steps) std::fprintf(stderr, "dbsync: %s\n", what.c_str());
    };
    auto r = run_sync(options_);
    if (!r) return std::unexpected(r.error());
    if (!quiet_) out.text(render_text(r->report));
    uint64_t ins = 0, upd = 0, del = 0, skipped = 0;
    for (const auto& imp : {r->pending_import, r->imported}) {
      if (!imp) continue;
      ins += imp->inserted, upd += imp->updated, del += imp->deleted, skipped += imp->skipped;
    }
    std::string summary =
        fmt::format("synced with {}/{}: exported +{} ~{} -{}, {}, imported +{} ~{} -{}{}, {}\n", r->remote,
                    r->branch, r->exported.added, r->exported.changed, r->exported.deleted,
                    r->merged ? "merged" : "nothing to merge", ins, upd, del,
                    skipped ? fmt::format(" ({} skipped: changed here meanwhile)", skipped) : "",
                    r->pushed ? "pushed" : "nothing to push");
    out.text(summary);
    // What the export and the imports warned about (a table left out, a
    // foreign key kept NOT VALID, ...): once each, on stderr even with -q.
    std::vector<std::string> warnings;
    auto note = [&](const std::vector<std::string>& list) {
      for (const auto& w : list) {
        if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
      }
    };
    if (r->pending_import) note(r->pending_import->warnings);
    note(r->exported.warnings);
    if (r->imported) note(r->imported->warnings);
    json::Array warning_list;
    for (const auto& w : warnings) {
      out.warn(w);
      warning_list.emplace_back(w);
    }
    out.emit(json::make_object(
        {{"ok", json::Value(true)},
         {"remote", r->remote},
         {"branch", r->branch},
         {"head", r->head},
         {"merged", json::Value(r->merged)},
         {"pushed", json::Value(r->pushed)},
         {"attempts", json::Value(static_cast<int64_t>(r->attempts))},
         {"exported",
          json::make_object({{"added", json::Value(static_cast<int64_t>(r->exported.added))},
                             {"changed", json::Value(static_cast<int64_t>(r->exported.changed))},
                             {"deleted", json::Value(static_cast<int64_t>(r->exported.deleted))}})},
         {"report", report_to_json(r->report)},
         {"report_file", r->report_path},
         {"warnings", json::Value(std::move(warning_list))}}));
    return {};
  }

 private:
  SyncOptions options_;
  bool quiet_ = false;
};

}  // namespace

std::unique_ptr<Command> make_sync_command() { return std::make_unique<SyncCommand>(); }

}  // namespace dbsync::cli
