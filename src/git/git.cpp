#include "git/git.h"

#include <regex>

namespace dbsync::git {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string describe(const std::vector<std::string>& args) {
  std::string out = "git";
  for (const auto& a : args) out += " " + a;
  return redact_credentials(out);
}

}  // namespace

std::string redact_credentials(const std::string& text) {
  static const std::regex kUserinfo(R"(([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@/\s]*@)");
  return std::regex_replace(text, kUserinfo, "$1:***@");
}

Result<ProcessResult> Git::try_run(const std::vector<std::string>& args,
                                   const ProcessOptions& options) const {
  std::vector<std::string> argv{"git", "-C", work_tree_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opts = options;
  // dbsync's own git calls must not fire dbsync's hooks again.
  opts.env.push_back("DBSYNC_RUNNING=1");
  auto r = run_process(argv, opts);
  if (!r) {
    return fail(ErrorCode::kUnavailable, "cannot run git: " + r.error().message,
                "install git (apt-get install git) and check PATH");
  }
  return r;
}

Result<std::string> Git::run(const std::vector<std::string>& args, const ProcessOptions& options) const {
  auto r = try_run(args, options);
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0) {
    std::string msg = trim(r->err.empty() ? r->out : r->err);
    return fail(ErrorCode::kUnavailable, "'" + describe(args) + "' failed: " + redact_credentials(msg));
  }
  return std::move(r->out);
}

bool Git::is_repository() const {
  auto r = try_run({"rev-parse", "--is-inside-work-tree"});
  return r && r->exit_code == 0 && trim(r->out) == "true";
}

Result<std::optional<std::string>> Git::resolve(const std::string& ref) const {
  auto r = try_run({"rev-parse", "--verify", "--quiet", ref + "^{commit}"});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0) return std::optional<std::string>{};
  return std::optional<std::string>(trim(r->out));
}

Result<std::optional<std::string>> Git::head() const { return resolve("HEAD"); }

Result<std::optional<std::string>> Git::current_branch() const {
  auto r = try_run({"symbolic-ref", "--quiet", "--short", "HEAD"});
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0) return std::optional<std::string>{};
  return std::optional<std::string>(trim(r->out));
}

Result<bool> Git::has_changes(const std::vector<std::string>& paths) const {
  std::vector<std::string> args{"status", "--porcelain", "--untracked-files=all", "--"};
  args.insert(args.end(), paths.begin(), paths.end());
  auto out = run(args);
  if (!out) return std::unexpected(out.error());
  return !out->empty();
}

Result<std::vector<std::string>> Git::unmerged_paths() const {
  auto out = run({"diff", "--name-only", "--diff-filter=U", "-z"});
  if (!out) return std::unexpected(out.error());
  return split_nul(*out);
}

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\0') {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

Result<std::optional<std::string>> Git::show(const std::string& rev, const std::string& path) const {
  auto exists = try_run({"cat-file", "-e", rev + ":" + path});
  if (!exists) return std::unexpected(exists.error());
  if (exists->exit_code != 0) return std::optional<std::string>{};
  auto out = run({"cat-file", "blob", rev + ":" + path});
  if (!out) return std::unexpected(out.error());
  return std::optional<std::string>(std::move(*out));
}

}  // namespace dbsync::git
