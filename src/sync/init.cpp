#include "sync/init.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "config/config.h"
#include "git/git.h"
#include "snapshot/rev.h"
#include "sync/local_state.h"
#include "util/file.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) return true;
  }
  return false;
}

// Appends `line` to a text file unless it is there already.
Result<bool> ensure_line(const fs::path& path, const std::string& line) {
  std::string text;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto r = read_file(path);
    if (!r) return std::unexpected(r.error());
    text = std::move(*r);
  }
  if (has_line(text, line)) return false;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += line + "\n";
  if (auto st = write_file_atomic(path, text); !st) return std::unexpected(st.error());
  return true;
}

struct HookSpec {
  const char* name;
  const char* body;  // after the guard; $DBSYNC is the quoted executable
};

// Hooks are a convenience (DESIGN §7): `dbsync sync` does not rely on them,
// and dbsync's own git calls set DBSYNC_RUNNING so the hooks stay quiet.
constexpr HookSpec kHooks[] = {
    // git (checked with 2.39, builtin/commit.c) decides whether there is
    // anything to commit from the index as it was before pre-commit ran:
    // when only the database changed, a plain `git commit` is refused even
    // though the export is staged now. The hook cannot see --allow-empty,
    // so it does not abort; it says what happened and what to run.
    {"pre-commit",
     "staged_before=1\ngit diff --cached --quiet && staged_before=0\n"
     "\"$DBSYNC\" export && git add -A -- dbsync || exit 1\n"
     "if [ $staged_before = 0 ] && ! git diff --cached --quiet; then\n"
     "  echo 'dbsync: staged the export; if git says \"nothing to commit\" (it decided before this hook "
     "ran), run the same git commit again' >&2\n"
     "fi\n"},
    {"post-merge", "exec \"$DBSYNC\" import\n"},
    // git rebase checks out its onto commit first: importing that half-way
    // state would drop this replica's rows until post-rewrite brings them back.
    {"post-checkout",
     "[ \"$3\" = 1 ] || exit 0\n[ -d \"$(git rev-parse --git-path rebase-merge)\" ] && exit 0\n"
     "[ -d \"$(git rev-parse --git-path rebase-apply)\" ] && exit 0\nexec \"$DBSYNC\" import\n"},
    {"post-rewrite", "exec \"$DBSYNC\" import\n"},
};

Status install_hooks(const git::Git& git, const std::string& exe, InitResult& result) {
  auto hooks_dir = git.run({"rev-parse", "--git-path", "hooks"});
  if (!hooks_dir) return std::unexpected(hooks_dir.error());
  std::string dir = *hooks_dir;
  while (!dir.empty() && dir.back() == '\n') dir.pop_back();
  fs::path base = fs::path(dir).is_absolute() ? fs::path(dir) : git.work_tree() / dir;
  for (const HookSpec& hook : kHooks) {
    fs::path path = base / hook.name;
    std::string text = std::string("#!/bin/sh\n") + kHookMarker + "\n" +
                       "[ -n \"$DBSYNC_RUNNING\" ] && exit 0\n" + "DBSYNC=" + shell_quote(exe) + "\n" +
                       hook.body;
    std::error_code ec;
    if (fs::exists(path, ec)) {
      auto old = read_file(path);
      if (!old) return std::unexpected(old.error());
      if (*old == text) continue;
      if (old->find(kHookMarker) == std::string::npos) {
        result.warnings.push_back("left the existing hook '" + path.string() +
                                  "' in place; call dbsync from it yourself, or run 'dbsync sync'");
        continue;
      }
    }
    if (auto st = write_file_atomic(path, text); !st) return st;
    fs::permissions(path,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    ec);
    result.done.push_back(std::string("installed the ") + hook.name + " hook");
  }
  return {};
}

}  // namespace

std::string current_executable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("dbsync") : p.string();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

Result<InitResult> run_init(const InitOptions& options) {
  InitResult result;
  std::error_code ec;
  fs::create_directories(options.repo, ec);
  if (ec)
    return fail(ErrorCode::kUnavailable, "cannot create '" + options.repo.string() + "': " + ec.message());
  fs::path repo = fs::absolute(options.repo).lexically_normal();
  git::Git git(repo);
  if (!git.is_repository()) {
    if (auto r = git.run({"init", "-q"}); !r) return std::unexpected(r.error());
    result.done.push_back("created a git repository");
  }

  fs::path config_path = repo / kConfigFileName;
  if (!fs::exists(config_path, ec)) {
    if (auto st = write_file_atomic(config_path, render_config(Config{})); !st)
      return std::unexpected(st.error());
    result.done.push_back("wrote dbsync.toml");
  } else if (auto cfg = load_config(repo); !cfg) {
    return std::unexpected(cfg.error());
  }

  auto attr = ensure_line(repo / ".gitattributes", kAttributesLine);
  if (!attr) return std::unexpected(attr.error());
  if (*attr) result.done.push_back("routed dbsync/**/*.jsonl to the dbsync merge driver in .gitattributes");
  auto ignore = ensure_line(repo / ".gitignore", "/.dbsync/");
  if (!ignore) return std::unexpected(ignore.error());
  if (*ignore) result.done.push_back("ignored .dbsync/ in .gitignore");

  std::string exe = options.executable.empty() ? current_executable() : options.executable;
  std::string driver = shell_quote(exe) + " merge-driver %O %A %B %P";
  auto current = git.try_run({"config", "--local", "--get", "merge.dbsync.driver"});
  if (!current) return std::unexpected(current.error());
  if (current->out != driver + "\n") {
    if (auto r = git.run({"config", "--local", "merge.dbsync.name", "dbsync record-level merge"}); !r) {
      return std::unexpected(r.error());
    }
    if (auto r = git.run({"config", "--local", "merge.dbsync.driver", driver}); !r)
      return std::unexpected(r.error());
    result.done.push_back("configured the merge driver: " + driver);
  }

  auto local = load_local_config(repo);
  if (!local) return std::unexpected(local.error());
  LocalConfig updated = *local;
  if (!options.replica.empty()) {
    if (!is_valid_replica_id(options.replica)) {
      return fail(ErrorCode::kUsage, "replica id '" + options.replica + "' is not 1-64 of [A-Za-z0-9._-]");
    }
    updated.replica = options.replica;
  }
  if (!options.db_url.empty()) updated.database = options.db_url;
  fs::path local_toml = LocalPaths(repo).local_toml();
  if (!fs::exists(local_toml, ec) || updated.replica != local->replica ||
      updated.database != local->database) {
    if (auto st = save_local_config(repo, updated); !st) return std::unexpected(st.error());
    result.done.push_back("replica '" + updated.replica + "'" +
                          (updated.database.empty() ? std::string() : ", database " + updated.database) +
                          " in .dbsync/local.toml");
  }
  result.replica = updated.replica;

  if (options.hooks) {
    if (auto st = install_hooks(git, exe, result); !st) return std::unexpected(st.error());
  }
  return result;
}

}  // namespace dbsync
