// See merge_source_run.h.
#include "cli/merge_source_run.h"

#include <fmt/format.h>

#include "merge/conflict_files.h"
#include "sync/merge_source.h"
#include "util/progress.h"

namespace dbsync::cli {
namespace {

json::Value count(uint64_t n) { return json::Value(static_cast<int64_t>(n)); }

}  // namespace

Status run_merge_source_command(const MergeSourceRequest& request, const Output& out) {
  auto format = parse_export_format(request.format);
  if (!format) return std::unexpected(format.error());
  Progress bar("merging", 0, out.show_progress());
  MergeSourceOptions opts;
  opts.replica.repo = request.repo;
  opts.replica.db_url = request.db_url;
  opts.replica.progress = bar.reporter();
  opts.source = request.source;
  opts.format = *format;
  opts.collection = request.collection;
  auto r = run_merge_source(opts);
  bar.finish();
  if (!r) return std::unexpected(r.error());

  std::string text =
      fmt::format("merged {} records from {} ({}), {}\n", r->source_records, request.source, r->source_kind,
                  r->base_commit.empty() ? std::string("two-way: no committed base")
                                         : "base: HEAD " + r->base_commit.substr(0, 12));
  if (r->stale > 0) {
    text +=
        fmt::format("{} source records were older than this replica's versions and were ignored\n", r->stale);
  }
  if (r->identical_duplicates > 0) {
    text +=
        fmt::format("{} repeated identical documents in the file were read once\n", r->identical_duplicates);
  }
  text += render_text(r->report);
  json::Value imported = json::Value(nullptr);
  if (r->imported) {
    const ImportResult& i = *r->imported;
    text += i.wrote() ? fmt::format("imported {} inserted, {} updated, {} deleted records (backup {})\n",
                                    i.inserted, i.updated, i.deleted, i.backup_id)
                      : std::string("nothing to import: the database already held the merged snapshot\n");
    if (i.skipped > 0) {
      text += fmt::format(
          "{} records changed in the database meanwhile were kept; 'dbsync sync' publishes them\n",
          i.skipped);
    }
    imported = json::make_object({{"backup", i.backup_id},
                                  {"inserted", count(i.inserted)},
                                  {"updated", count(i.updated)},
                                  {"deleted", count(i.deleted)},
                                  {"skipped", count(i.skipped)},
                                  {"root_hash", i.root}});
    text += "run 'dbsync sync' to publish the merged records to the other replicas\n";
  }
  text += "report: " + r->report_path + "\n";
  out.text(text);
  out.emit(json::make_object({{"ok", json::Value(r->merge.result == MergeResult::kClean)},
                              {"source", request.source},
                              {"source_kind", r->source_kind},
                              {"source_records", count(r->source_records)},
                              {"stale_ignored", count(r->stale)},
                              {"identical_duplicates", count(r->identical_duplicates)},
                              {"base_commit", r->base_commit},
                              {"exported", json::make_object({{"added", count(r->exported.added)},
                                                              {"changed", count(r->exported.changed)},
                                                              {"deleted", count(r->exported.deleted)}})},
                              {"report", report_to_json(r->report)},
                              {"report_path", r->report_path},
                              {"imported", std::move(imported)}}));
  if (r->merge.result == MergeResult::kConflict) {
    return fail(ErrorCode::kConflict,
                fmt::format("{} manual conflict(s) wait; the merged records were not imported",
                            r->report.conflicts_unresolved()),
                "list them with 'dbsync conflicts', settle each with 'dbsync resolve', then 'dbsync import'");
  }
  return {};
}

}  // namespace dbsync::cli
