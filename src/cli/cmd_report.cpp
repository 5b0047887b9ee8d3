// dbsync report [ID]: the merge reports kept under .dbsync/reports/ — the
// newest, or the one whose name starts with ID; `--list` names them all.
// Text by default, the stored JSON with --json, a self-contained HTML page
// with --html FILE.
#include <algorithm>

#include "cli/command.h"
#include "json/parse.h"
#include "report/report.h"
#include "sync/local_state.h"
#include "util/file.h"

namespace dbsync::cli {
namespace {

class ReportCommand : public Command {
 public:
  const char* name() const override { return "report"; }
  const char* summary() const override {
    return "Show a merge report (the newest, or ID); --list names them";
  }
  void add_options(CLI::App& app) override {
    app.add_option("id", id_, "Report id (a prefix of its file name under .dbsync/reports/)");
    app.add_flag("--list", list_, "List the reports, oldest first");
    app.add_option("--html", html_,
                   "Also write the report as a self-contained HTML page to FILE ('-': print it)");
  }
  Status run(const CommonOptions& common, const Output& out) override {
    LocalPaths paths(common.repo);
    std::vector<std::string> ids;
    std::error_code ec;
    if (std::filesystem::is_directory(paths.reports(), ec)) {
      auto files = list_files(paths.reports());
      if (!files) return std::unexpected(files.error());
      for (const auto& f : *files) {
        if (f.size() > 5 && f.ends_with(".json")) ids.push_back(f.substr(0, f.size() - 5));
      }
    }
    if (list_) {
      json::Array items;
      std::string text;
      for (const auto& id : ids) {
        text += id + "\n";
        items.emplace_back(id);
      }
      out.text(ids.empty() ? "no reports yet: run 'dbsync sync'\n" : text);
      out.emit(json::make_object({{"ok", json::Value(true)}, {"reports", json::Value(std::move(items))}}));
      return {};
    }
    std::vector<std::string> matches;
    std::copy_if(ids.begin(), ids.end(), std::back_inserter(matches),
                 [&](const std::string& id) { return id.starts_with(id_); });
    if (matches.empty()) {
      return fail(ErrorCode::kUsage, id_.empty() ? "no reports yet" : "no report '" + id_ + "'",
                  "list them with 'dbsync report --list'");
    }
    std::string id = matches.back();
    auto bytes = read_file(paths.reports() / (id + ".json"));
    if (!bytes) return std::unexpected(bytes.error());
    std::string_view text = *bytes;
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    auto value = json::parse(text);
    if (!value) return std::unexpected(std::move(value.error()).context("'" + id + ".json'"));
    auto report = report_from_json(*value);
    if (!report) return std::unexpected(std::move(report.error()).context("'" + id + ".json'"));
    if (html_ == "-") {
      out.text(render_html(*report));
    } else {
      if (!html_.empty()) {
        if (auto st = write_file_atomic(html_, render_html(*report)); !st) return st;
        out.warn("wrote " + html_);
      }
      out.text(render_text(*report));
    }
    out.emit(json::make_object({{"ok", json::Value(true)}, {"id", id}, {"report", *value}}));
    return {};
  }

 private:
  std::string id_;
  bool list_ = false;
  std::string html_;
};

}  // namespace

std::unique_ptr<Command> make_report_command() { return std::make_unique<ReportCommand>(); }

}  // namespace dbsync::cli
