#include "sync/trash.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <system_error>
#include <vector>

#include "sync/durable.h"
#include "util/file.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTrashPrefix = "trash-";

}  // namespace

bool is_trash_folder(const std::string& name) { return name.starts_with(kTrashPrefix); }

fs::path new_trash_folder(const LocalPaths& paths, const std::string& what) {
  // Unique, so it never lands on a trash folder another process is
  // deleting right now (generation numbers can repeat once .dbsync/ is
  // reset).
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, "-%ld-%lld", static_cast<long>(::getpid()),
                static_cast<long long>(std::chrono::steady_clock::now().time_since_epoch().count()));
  return paths.matched_dir() / (std::string(kTrashPrefix) + what + suffix);
}

Status retire_stale_generations(const LocalPaths& paths, const std::string& keep) {
  std::error_code ec;
  if (!fs::exists(paths.matched_dir(), ec)) return {};
  auto dirs = list_dirs(paths.matched_dir());
  if (!dirs) return std::unexpected(dirs.error());
  for (const auto& d : *dirs) {
    if (d == keep || is_trash_folder(d)) continue;
    fs::path to = new_trash_folder(paths, d);
    fs::rename(paths.matched_dir() / d, to, ec);
    if (ec) {
      return fail(ErrorCode::kUnavailable,
                  "cannot retire '" + (paths.matched_dir() / d).string() + "': " + ec.message());
    }
  }
  return {};
}

TrashSweeper::~TrashSweeper() { wait(); }

void TrashSweeper::start(const LocalPaths& paths) {
  wait();
  std::error_code ec;
  if (!fs::exists(paths.matched_dir(), ec)) return;
  auto dirs = list_dirs(paths.matched_dir());
  if (!dirs) return;
  std::vector<fs::path> trash;
  for (const auto& d : *dirs) {
    if (is_trash_folder(d)) trash.push_back(paths.matched_dir() / d);
  }
  if (trash.empty()) return;
  worker_ = std::thread([trash = std::move(trash)] {
    for (const auto& dir : trash) (void)remove_tree(dir);
  });
}

void TrashSweeper::wait() {
  if (worker_.joinable()) worker_.join();
}

}  // namespace dbsync
