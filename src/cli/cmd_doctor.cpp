// dbsync doctor: connection, git, driver, hooks and disk checks
// (sync/doctor.h). Exits 4 when a check fails.
#include <fmt/format.h>

#include "cli/command.h"
#include "sync/doctor.h"

namespace dbsync::cli {
namespace {

class DoctorCommand : public Command {
 public:
  const char* name() const override { return "doctor"; }
  const char* summary() const override {
    return "Check the database connection, git, merge driver, hooks and disk";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--db", options_.db_url, "Database URL (default: .dbsync/local.toml, then dbsync.toml)");
  }
  Status run(const CommonOptions& common, const Output& out) override {
    options_.repo = common.repo;
    auto checks = run_doctor(options_);
    std::string text;
    json::Array items;
    size_t failed = 0;
    for (const auto& c : checks) {
      text += fmt::format("{:>4}  {:<15} {}\n", check_level_name(c.level), c.name, c.detail);
      if (c.level == CheckLevel::kFail) ++failed;
      items.push_back(json::make_object(
          {{"name", c.name}, {"level", std::string(check_level_name(c.level))}, {"detail", c.detail}}));
    }
    out.text(text);
    out.emit(
        json::make_object({{"ok", json::Value(failed == 0)}, {"checks", json::Value(std::move(items))}}));
    if (failed > 0) {
      return fail(ErrorCode::kUnavailable, fmt::format("{} check(s) failed", failed),
                  "fix what the list says");
    }
    return {};
  }

 private:
  DoctorOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_doctor_command() { return std::make_unique<DoctorCommand>(); }

}  // namespace dbsync::cli
