// dbsync merge: placeholder registered in the command table so that the
// command's owner can fill it in without editing the shared table.
#include "cli/command.h"

namespace dbsync::cli {
namespace {

class MergeCommand : public Command {
 public:
  const char* name() const override { return "merge"; }
  const char* summary() const override { return "Merge another replica's snapshot or an old export into this replica"; }
  void add_options(CLI::App&) override {}
  Status run(const CommonOptions&, const Output&) override {
    return fail(ErrorCode::kUnavailable, "'dbsync merge' is not in this build yet");
  }
};

}  // namespace

std::unique_ptr<Command> make_merge_command() { return std::make_unique<MergeCommand>(); }

}  // namespace dbsync::cli
