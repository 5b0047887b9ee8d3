// The command-line front end: parses argv with CLI11, dispatches through
// the command table, prints errors once and returns the exit code
// (docs/EXIT_CODES.md).
#pragma once

namespace dbsync::cli {

int run(int argc, char** argv);

}  // namespace dbsync::cli
