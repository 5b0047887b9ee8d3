// dbsync init [--db URL] [--replica ID] [--hooks]: set up a sync repository.
#include "cli/command.h"
#include "git/git.h"
#include "sync/init.h"

namespace dbsync::cli {
namespace {

class InitCommand : public Command {
 public:
  const char* name() const override { return "init"; }
  const char* summary() const override {
    return "Set up a sync repository: config, .gitattributes, merge driver, .gitignore, hooks";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--db", options_.db_url, "This replica's database URL (sqlite:path, postgresql://…)");
    app.add_option("--replica", options_.replica, "This replica's id (default: the host name)");
    app.add_flag("--hooks", options_.hooks,
                 "Install git hooks: pre-commit exports, post-merge/checkout/rewrite import");
  }
  Status run(const CommonOptions& common, const Output& out) override {
    options_.repo = common.repo;
    auto result = run_init(options_);
    if (!result) return std::unexpected(result.error());
    std::string text;
    for (const auto& line : result->done) text += "  " + line + "\n";
    if (result->done.empty()) text += "  already set up; nothing changed\n";
    out.text("initialised sync repository '" +
             std::filesystem::absolute(common.repo).lexically_normal().string() + "' as replica '" +
             result->replica + "'\n" + text);
    for (const auto& w : result->warnings) out.warn(w);
    json::Array done, warnings;
    for (const auto& d : result->done) done.emplace_back(git::redact_credentials(d));
    for (const auto& w : result->warnings) warnings.emplace_back(w);
    out.emit(json::make_object({{"ok", json::Value(true)},
                                {"replica", result->replica},
                                {"done", json::Value(std::move(done))},
                                {"warnings", json::Value(std::move(warnings))}}));
    return {};
  }

 private:
  InitOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_init_command() { return std::make_unique<InitCommand>(); }

}  // namespace dbsync::cli
