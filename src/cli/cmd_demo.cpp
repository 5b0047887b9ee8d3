// dbsync demo: two replicas and a git remote in a temp folder; runs the
// scenarios of DESIGN §8 with the real commands (demo/pnl_demo.h).
#include <cstdio>

#include "cli/command.h"
#include "demo/pnl_demo.h"

namespace dbsync::cli {
namespace {

class DemoCommand : public Command {
 public:
  const char* name() const override { return "demo"; }
  const char* summary() const override {
    return "Two replicas and a git remote in a temp folder; runs the three sync scenarios";
  }
  void add_options(CLI::App& app) override {
    app.add_option("--dir", options_.dir, "Folder to run in (default: a new temp folder)");
    app.add_flag("--keep", options_.keep, "Keep the folder afterwards to look around");
  }
  Status run(const CommonOptions& common, const Output& out) override {
    if (!out.json()) {
      options_.print = [](const std::string& s) {
        std::fwrite(s.data(), 1, s.size(), stdout);
        std::fflush(stdout);
      };
    }
    auto r = run_demo(options_);
    if (!r) return std::unexpected(r.error());
    out.emit(
        json::make_object({{"ok", json::Value(true)},
                           {"dir", r->dir.string()},
                           {"scenarios_passed", json::Value(static_cast<int64_t>(r->scenarios_passed))}}));
    return {};
  }

 private:
  DemoOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_demo_command() { return std::make_unique<DemoCommand>(); }

}  // namespace dbsync::cli
