// The one table that registers every subcommand, in the order `--help`
// lists them. Each command lives in its own cmd_<name>.cpp.
#include "cli/command.h"

namespace dbsync::cli {

std::unique_ptr<Command> make_init_command();
std::unique_ptr<Command> make_report_command();
std::unique_ptr<Command> make_doctor_command();
std::unique_ptr<Command> make_demo_command();
std::unique_ptr<Command> make_sync_command();
std::unique_ptr<Command> make_restore_command();
std::unique_ptr<Command> make_backups_command();
std::unique_ptr<Command> make_verify_command();
std::unique_ptr<Command> make_merge_driver_command();
std::unique_ptr<Command> make_merge_snapshots_command();
std::unique_ptr<Command> make_export_command();
std::unique_ptr<Command> make_import_command();
std::unique_ptr<Command> make_status_command();
std::unique_ptr<Command> make_diff_command();
std::unique_ptr<Command> make_stats_command();
std::unique_ptr<Command> make_merge_command();
std::unique_ptr<Command> make_conflicts_command();
std::unique_ptr<Command> make_resolve_command();

std::vector<std::unique_ptr<Command>> make_commands() {
  std::vector<std::unique_ptr<Command>> out;
  out.push_back(make_init_command());
  out.push_back(make_sync_command());
  out.push_back(make_export_command());
  out.push_back(make_import_command());
  out.push_back(make_merge_command());
  out.push_back(make_conflicts_command());
  out.push_back(make_resolve_command());
  out.push_back(make_status_command());
  out.push_back(make_diff_command());
  out.push_back(make_stats_command());
  out.push_back(make_restore_command());
  out.push_back(make_backups_command());
  out.push_back(make_verify_command());
  out.push_back(make_merge_driver_command());
  out.push_back(make_merge_snapshots_command());
  out.push_back(make_report_command());
  out.push_back(make_doctor_command());
  out.push_back(make_demo_command());
  return out;
}

}  // namespace dbsync::cli
