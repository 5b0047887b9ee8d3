// dbsync merge-snapshots [--base DIR] OURS THEIRS OUT: merges two snapshot
// folders (against a base, or two-way without one) into OUT without git and
// prints the merge report (DESIGN §7). A developer and benchmark command:
// `dbsync merge` and `dbsync sync` run the same merge inside a replica.
// OUT gets OURS' dbsync.toml (or --config) when it has none.
// Exit 0 clean, 1 when manual conflicts remain, 3 on bad input.
#include <fmt/format.h>

#include "cli/command.h"
#include "config/config.h"
#include "json/canonical.h"
#include "merge/conflict_files.h"
#include "merge/snapshot_merge.h"
#include "report/report.h"
#include "util/file.h"
#include "util/progress.h"

namespace dbsync::cli {
namespace {

class MergeSnapshotsCommand : public Command {
 public:
  const char* name() const override { return "merge-snapshots"; }
  const char* summary() const override { return "Merge two snapshot folders into a third, without git"; }
  void add_options(CLI::App& app) override {
    app.add_option("--base", base_, "The common ancestor snapshot (default: none, a two-way merge)");
    app.add_option("ours", ours_, "Our snapshot folder (holds dbsync/…)")->required();
    app.add_option("theirs", theirs_, "Their snapshot folder")->required();
    app.add_option("out", out_, "Where the merged snapshot goes (may be OURS: merge in place)")->required();
    app.add_option("--config", config_, "dbsync.toml to use (default: OURS/dbsync.toml)");
    app.add_option("--threads", threads_, "Shards merged in parallel (default: one per core)");
    app.add_flag("--no-fsync", no_fsync_, "Do not fsync the output (scratch folders, benchmarks)");
    app.add_option("--report", report_file_, "Also write the report as JSON to this file");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    Result<Config> config = config_.empty() ? load_config(ours_) : Result<Config>(Config{});
    if (!config_.empty()) {
      auto text = read_file(config_);
      if (!text) return std::unexpected(text.error());
      config = parse_config(*text, config_);
    }
    if (!config) return std::unexpected(config.error());
    SnapshotMergeOptions opt;
    opt.threads = threads_;
    opt.durable = !no_fsync_;
    Progress progress("merging", 0, out.show_progress());
    opt.progress = progress.reporter();
    auto merged = merge_snapshots(base_.empty() ? std::nullopt : std::optional<std::filesystem::path>(base_),
                                  ours_, theirs_, out_, *config, opt);
    progress.finish();
    if (!merged) return std::unexpected(merged.error());
    // OUT is a snapshot: it needs the configuration that shaped it.
    std::filesystem::path out_config = std::filesystem::path(out_) / kConfigFileName;
    std::error_code ec;
    if (!std::filesystem::exists(out_config, ec)) {
      std::filesystem::path from =
          config_.empty() ? std::filesystem::path(ours_) / kConfigFileName : std::filesystem::path(config_);
      if (std::filesystem::exists(from, ec)) {
        auto text = read_file(from);
        if (!text) return std::unexpected(text.error());
        if (auto st = write_file_atomic(out_config, *text); !st) return st;
      }
    }
    ReportInfo info;
    info.database = config->database;
    Report report = make_report(*merged, info);
    json::Value js = report_to_json(report);
    if (!report_file_.empty()) {
      if (auto st = write_file_atomic(report_file_, json::to_canonical(js) + "\n"); !st) return st;
    }
    out.text(render_text(report));
    out.emit(js);
    if (merged->result == MergeResult::kConflict) {
      for (const auto& c : merged->collections) {
        if (auto st = write_conflict_files(out_, c.name, c.shard_count, c.manual); !st) return st;
      }
      return fail(ErrorCode::kConflict,
                  fmt::format("{} unresolved manual conflict(s); the output holds provisional values",
                              report.conflicts_unresolved()),
                  "see " + (std::filesystem::path(out_) / kConflictsDir).string());
    }
    return {};
  }

 private:
  std::string base_, ours_, theirs_, out_, config_, report_file_;
  unsigned threads_ = 0;
  bool no_fsync_ = false;
};

}  // namespace

std::unique_ptr<Command> make_merge_snapshots_command() { return std::make_unique<MergeSnapshotsCommand>(); }

}  // namespace dbsync::cli
