// dbsync backups [list] | prune --keep N: the before-images each import and
// restore kept under .dbsync/backups/ (sync/backup.h).
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/backup.h"
#include "sync/lock.h"

namespace dbsync::cli {
namespace {

json::Value n(uint64_t v) { return json::Value(static_cast<int64_t>(v)); }

class BackupsCommand : public Command {
 public:
  const char* name() const override { return "backups"; }
  const char* summary() const override { return "List or prune the backups imports and restores made"; }
  void add_options(CLI::App& app) override {
    app.add_option("action", action_, "list (default) or prune")->check(CLI::IsMember({"list", "prune"}));
    app.add_option("--keep", keep_, "With prune: how many of the newest backups to keep")
        ->check(CLI::NonNegativeNumber);
  }

  Status run(const CommonOptions& common, const Output& out) override {
    LocalPaths paths(common.repo);
    if (action_ == "prune") {
      if (keep_ < 0) return fail(ErrorCode::kUsage, "prune needs --keep N", "dbsync backups prune --keep 10");
      auto lock = ReplicaLock::acquire(common.repo);
      if (!lock) return std::unexpected(lock.error());
      auto removed = prune_backups(paths, static_cast<size_t>(keep_));
      if (!removed) return std::unexpected(removed.error());
      json::Array ids;
      for (const auto& id : *removed) ids.emplace_back(id);
      out.text(fmt::format("removed {} backups, kept the newest {}\n", removed->size(), keep_));
      out.emit(json::make_object({{"ok", json::Value(true)}, {"removed", json::Value(std::move(ids))}}));
      return {};
    }
    auto all = list_backups(paths);
    if (!all) return std::unexpected(all.error());
    std::string text;
    json::Array list;
    for (const auto& b : *all) {
      BackupCounts total;
      json::Array cols;
      for (const auto& [name, c] : b.collections) {
        total.inserted += c.inserted;
        total.updated += c.updated;
        total.deleted += c.deleted;
        cols.push_back(json::make_object({{"name", name},
                                          {"inserted", n(c.inserted)},
                                          {"updated", n(c.updated)},
                                          {"deleted", n(c.deleted)}}));
      }
      text += fmt::format("{}  {:<7} {:<11} +{} ~{} -{}  {}\n", b.id, b.op, b.state, total.inserted,
                          total.updated, total.deleted, b.time);
      list.push_back(json::make_object({{"id", b.id},
                                        {"time", b.time},
                                        {"op", b.op},
                                        {"state", b.state},
                                        {"database", b.database},
                                        {"collections", json::Value(std::move(cols))}}));
    }
    if (all->empty()) text = "no backups\n";
    out.text(text);
    out.emit(json::make_object({{"ok", json::Value(true)}, {"backups", json::Value(std::move(list))}}));
    return {};
  }

 private:
  std::string action_ = "list";
  long keep_ = -1;
};

}  // namespace

std::unique_ptr<Command> make_backups_command() { return std::make_unique<BackupsCommand>(); }

}  // namespace dbsync::cli
