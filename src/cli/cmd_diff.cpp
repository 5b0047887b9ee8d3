// dbsync diff: the records (and, for changed records, the fields) the
// database changed since the last export or import (sync/status.h).
#include <fmt/format.h>

#include "cli/command.h"
#include "json/canonical.h"
#include "json/parse.h"
#include "sync/status.h"

namespace dbsync::cli {
namespace {

std::string show(const std::optional<json::Value>& v) { return v ? json::to_canonical(*v) : "(absent)"; }

class DiffCommand : public Command {
 public:
  const char* name() const override { return "diff"; }
  const char* summary() const override {
    return "Show record and field changes since the last export or import";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--db", db_, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
    app.add_option("collections", collections_, "Only these collections");
    app.add_option("--limit", limit_, "List at most this many records")->check(CLI::PositiveNumber);
  }

  Status run(const CommonOptions& common, const Output& out) override {
    ReplicaOptions opts;
    opts.repo = common.repo;
    opts.db_url = db_;
    StatusOptions so;
    so.records = true;
    so.max_records = limit_;
    so.collections = collections_;
    auto st = replica_status(opts, so);
    if (!st) return std::unexpected(st.error());
    std::string text;
    json::Array records;
    for (const auto& r : st->records) {
      text += fmt::format("{} {} {}\n", r.collection, r.key, record_state_name(r.state));
      json::Array fields;
      if (r.state == RecordState::kAdded) text += "  + " + r.after + "\n";
      if (r.state == RecordState::kDeleted) text += "  - " + r.before + "\n";
      for (const auto& f : r.fields) {
        if (f.before) text += fmt::format("  - {}: {}\n", f.field, show(f.before));
        if (f.after) text += fmt::format("  + {}: {}\n", f.field, show(f.after));
        fields.push_back(json::make_object({{"field", f.field},
                                            {"before", f.before ? *f.before : json::Value()},
                                            {"after", f.after ? *f.after : json::Value()},
                                            {"before_present", f.before.has_value()},
                                            {"after_present", f.after.has_value()}}));
      }
      auto doc = [](const std::string& s) { return s.empty() ? json::Value() : *json::parse(s); };
      records.push_back(json::make_object({{"collection", r.collection},
                                           {"key", r.key},
                                           {"state", record_state_name(r.state)},
                                           {"before", doc(r.before)},
                                           {"after", doc(r.after)},
                                           {"fields", json::Value(std::move(fields))}}));
    }
    if (st->records_truncated) text += fmt::format("(more changes not shown; raise --limit)\n");
    if (st->records.empty()) text += "no changes since the last export or import\n";
    out.text(text);
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"records", json::Value(std::move(records))},
                                {"truncated", st->records_truncated}}));
    return {};
  }

 private:
  std::string db_;
  std::vector<std::string> collections_;
  size_t limit_ = 1000;
};

}  // namespace

std::unique_ptr<Command> make_diff_command() { return std::make_unique<DiffCommand>(); }

}  // namespace dbsync::cli
