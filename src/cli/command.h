// The contract between the command table and each subcommand. A command adds
// its options to its CLI11 sub-app, then run() does the work and returns a
// Status; the caller (cli/app.cpp) prints any error once, in git's style, and
// turns it into the documented exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "json/value.h"
#include "util/error.h"

namespace dbsync::cli {

// Options every command takes.
struct CommonOptions {
  bool json = false;       // machine-readable output on stdout
  std::string repo = ".";  // the sync repository (-C)
};

// Where a command writes. Human text and JSON both go to stdout;
// diagnostics to stderr.
class Output {
 public:
  explicit Output(const CommonOptions& common) : common_(common) {}
  bool json() const { return common_.json; }
  bool show_progress() const;
  void text(const std::string& s) const;  // printed unless --json
  void emit(const json::Value& v) const;  // printed only with --json
  void warn(const std::string& s) const;  // stderr, always

 private:
  const CommonOptions& common_;
};

class Command {
 public:
  virtual ~Command() = default;
  virtual const char* name() const = 0;
  virtual const char* summary() const = 0;
  virtual void add_options(CLI::App& app) = 0;
  virtual Status run(const CommonOptions& common, const Output& out) = 0;
};

// The command table (cli/command_table.cpp), in help order.
std::vector<std::unique_ptr<Command>> make_commands();

}  // namespace dbsync::cli
