// Runs a program with an argv array (never through a shell, so arguments
// from untrusted data cannot inject commands) and captures its output.
// Thread-safe; each call forks its own child.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace dbsync {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::filesystem::path cwd;     // empty: inherit
  std::string stdin_data;        // written to the child's stdin
  std::vector<std::string> env;  // extra NAME=VALUE entries
  bool inherit_stderr = false;   // let the child's stderr through (progress of long git commands)
};

// Runs argv[0] found on PATH. Fails (kUnavailable) only when the program
// cannot be started; a non-zero exit is reported in the result.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

}  // namespace dbsync
