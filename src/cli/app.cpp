#include "cli/app.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "json/value.h"

namespace dbsync::cli {
namespace {

void print_error(const Error& e, const CommonOptions& common) {
  std::fprintf(stderr, "dbsync: error: %s\n", e.message.c_str());
  if (!e.hint.empty()) std::fprintf(stderr, "try: %s\n", e.hint.c_str());
  if (common.json) {
    Output out(common);
    json::Value err = json::make_object({{"code", json::Value(exit_code_of(e.code))},
                                         {"message", json::Value(e.message)},
                                         {"hint", json::Value(e.hint)}});
    out.emit(json::make_object({{"ok", json::Value(false)}, {"error", std::move(err)}}));
  }
}

// The original tool's flags keep working for its users (issue 5):
// `dbsync --export` is `dbsync export`, `--merge FILE` is `merge FILE`,
// `--stats` is `stats`, `--sync` is `sync`, `--import` is `import` and
// `--import FILE` is `import --from FILE`.
std::vector<std::string> translate_legacy_flags(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() >= 2) {
    bool legacy_import = args[1] == "--import";
    for (const char* legacy : {"--export", "--merge", "--stats", "--sync", "--import"}) {
      if (args[1] == legacy) args[1] = legacy + 2;
    }
    if (legacy_import && args.size() >= 3 && !args[2].starts_with("-")) {
      args.insert(args.begin() + 2, "--from");
    }
  }
  return args;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"dbsync keeps replicas of a database identical through git.", "dbsync"};
  app.set_version_flag("--version", std::string("dbsync ") + DBSYNC_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 conflicts or mismatch, 2 usage, 3 bad input data, 4 database or git "
      "unavailable.\nRun 'dbsync <command> --help' for a command's options.");

  CommonOptions common;
  auto commands = make_commands();
  Command* chosen = nullptr;
  for (auto& cmd : commands) {
    CLI::App* sub = app.add_subcommand(cmd->name(), cmd->summary());
    sub->add_flag("--json", common.json, "Print machine-readable JSON on stdout");
    sub->add_option("-C,--repo", common.repo, "The sync repository (default: current folder)");
    cmd->add_options(*sub);
    Command* raw = cmd.get();
    sub->callback([&chosen, raw] { chosen = raw; });
  }

  try {
    std::vector<std::string> args = translate_legacy_flags(argc, argv);
    args.erase(args.begin());                // CLI11 wants the arguments without the program name,
    std::reverse(args.begin(), args.end());  // last to first
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "dbsync: error: %s\ntry: dbsync --help\n", e.what());
    return exit_code_of(ErrorCode::kUsage);
  }
  if (chosen == nullptr) return exit_code_of(ErrorCode::kUsage);
  Output out(common);
  Status st = chosen->run(common, out);
  if (!st) {
    print_error(st.error(), common);
    return exit_code_of(st.error().code);
  }
  return 0;
}

}  // namespace dbsync::cli
