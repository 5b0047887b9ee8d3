// dbsync conflicts: placeholder registered in the command table so that the
// command's owner can fill it in without editing the shared table.
#include "cli/command.h"

namespace dbsync::cli {
namespace {

class ConflictsCommand : public Command {
 public:
  const char* name() const override { return "conflicts"; }
  const char* summary() const override { return "List records a merge left for you to decide (manual policy)"; }
  void add_options(CLI::App&) override {}
  Status run(const CommonOptions&, const Output&) override {
    return fail(ErrorCode::kUnavailable, "'dbsync conflicts' is not in this build yet");
  }
};

}  // namespace

std::unique_ptr<Command> make_conflicts_command() { return std::make_unique<ConflictsCommand>(); }

}  // namespace dbsync::cli
