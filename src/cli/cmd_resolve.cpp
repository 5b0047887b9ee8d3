// dbsync resolve: placeholder registered in the command table so that the
// command's owner can fill it in without editing the shared table.
#include "cli/command.h"

namespace dbsync::cli {
namespace {

class ResolveCommand : public Command {
 public:
  const char* name() const override { return "resolve"; }
  const char* summary() const override { return "Decide a conflicted record: --take ours|theirs|FILE"; }
  void add_options(CLI::App&) override {}
  Status run(const CommonOptions&, const Output&) override {
    return fail(ErrorCode::kUnavailable, "'dbsync resolve' is not in this build yet");
  }
};

}  // namespace

std::unique_ptr<Command> make_resolve_command() { return std::make_unique<ResolveCommand>(); }

}  // namespace dbsync::cli
