// git, driven through the `git` executable with argv arrays (never a shell
// string), so the user's credentials, config and hooks apply exactly as on
// the command line. All paths are relative to the repository's work tree.
// Thread-compatible: one Git per thread, or external locking.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/error.h"
#include "util/process.h"

namespace dbsync::git {

class Git {
 public:
  explicit Git(std::filesystem::path work_tree) : work_tree_(std::move(work_tree)) {}

  const std::filesystem::path& work_tree() const { return work_tree_; }

  // Runs `git <args>` in the work tree; a non-zero exit is an error
  // (kUnavailable) carrying git's own message.
  Result<std::string> run(const std::vector<std::string>& args, const ProcessOptions& options = {}) const;
  // Same, but a non-zero exit is returned, not an error.
  Result<ProcessResult> try_run(const std::vector<std::string>& args,
                                const ProcessOptions& options = {}) const;

  bool is_repository() const;
  // The commit HEAD names, or nullopt on an unborn branch.
  Result<std::optional<std::string>> head() const;
  // The current branch name, or nullopt on a detached HEAD.
  Result<std::optional<std::string>> current_branch() const;
  // The commit a ref names, or nullopt when the ref does not exist.
  Result<std::optional<std::string>> resolve(const std::string& ref) const;
  // Whether the work tree or index differ from HEAD below `paths`.
  Result<bool> has_changes(const std::vector<std::string>& paths) const;
  // Paths with unresolved merge conflicts.
  Result<std::vector<std::string>> unmerged_paths() const;
  // The bytes of `path` at `rev`, or nullopt when it does not exist there.
  Result<std::optional<std::string>> show(const std::string& rev, const std::string& path) const;

 private:
  std::filesystem::path work_tree_;
};

// Splits git's -z output (NUL-terminated paths).
std::vector<std::string> split_nul(const std::string& text);

// Removes the password from any URL-looking text ("https://u:secret@h/x" ->
// "https://u:***@h/x"), so credentials never reach logs or errors.
std::string redact_credentials(const std::string& text);

}  // namespace dbsync::git
