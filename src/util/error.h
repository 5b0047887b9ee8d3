// Errors as values. Every fallible function in the library returns
// Result<T>; exactly one place (cli/run_command.cpp) prints an Error and turns
// its code into the process exit status documented in docs/EXIT_CODES.md.
//
// Messages follow git's style: lower case, the failure first, the subject
// quoted, no full stop: "cannot open 'dbsync/pnl/00.jsonl'". Where the fault is
// in a file, `where` names file, line and field so the user can find it.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>

namespace dbsync {

// The exit codes of DESIGN §6; the numeric values are the contract.
enum class ErrorCode : int {
  kConflict = 1,     // unresolved conflicts or a verification mismatch
  kUsage = 2,        // bad command line or configuration
  kBadInput = 3,     // malformed snapshot, export file or record
  kUnavailable = 4,  // database, git or filesystem not reachable / failed
  kInternal = 70,    // a bug: an invariant did not hold
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string hint;  // "try: …" line printed after the message, may be empty

  Error() = default;
  Error(ErrorCode c, std::string m, std::string h = {})
      : code(c), message(std::move(m)), hint(std::move(h)) {}

  // Prefixes context, e.g. Error(...).context("'dbsync/pnl/00.jsonl' line 7").
  Error&& context(const std::string& where) && {
    message = where + ": " + message;
    return std::move(*this);
  }
};

template <typename T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string hint = {}) {
  return std::unexpected(Error(code, std::move(message), std::move(hint)));
}

inline int exit_code_of(ErrorCode code) { return static_cast<int>(code); }

}  // namespace dbsync
