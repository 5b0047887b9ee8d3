#include "sync/git_snapshot.h"

#include "config/config.h"
#include "git/git.h"
#include "snapshot/layout.h"
#include "util/file.h"

namespace dbsync {
namespace fs = std::filesystem;

Result<std::string> checkout_snapshot(const fs::path& repo, const std::string& rev, const fs::path& dir) {
  if (rev.empty() || rev[0] == '-') {
    return fail(ErrorCode::kUsage, "'" + rev + "' is not a git revision", "name a commit, tag or branch");
  }
  git::Git g(repo);
  auto commit = g.try_run({"rev-parse", "--verify", "--quiet", rev + "^{commit}"});
  if (!commit) return std::unexpected(commit.error());
  if (commit->exit_code != 0) {
    return fail(ErrorCode::kUsage, "'" + rev + "' does not name a commit in '" + repo.string() + "'",
                "'git log --oneline -- dbsync' lists the commits that changed the snapshot");
  }
  std::string hash = commit->out.substr(0, commit->out.find('\n'));
  auto listing = g.run({"ls-tree", "-r", "-z", "--name-only", hash, "--", kConfigFileName, kSnapshotDirName});
  if (!listing) return std::unexpected(listing.error());
  size_t pos = 0, files = 0;
  while (pos < listing->size()) {
    size_t end = listing->find('\0', pos);
    if (end == std::string::npos) end = listing->size();
    std::string path = listing->substr(pos, end - pos);
    pos = end + 1;
    bool wanted = path == kConfigFileName;
    if (!wanted && path.rfind(std::string(kSnapshotDirName) + "/", 0) == 0) {
      std::string rest = path.substr(std::string(kSnapshotDirName).size() + 1);
      size_t slash = rest.find('/');
      if (slash == std::string::npos) continue;
      std::string collection = rest.substr(0, slash), file = rest.substr(slash + 1);
      if (auto st = check_collection_name(collection); !st) {
        return std::unexpected(std::move(st.error()).context("'" + path + "' at " + hash.substr(0, 12)));
      }
      wanted =
          file.find('/') == std::string::npos &&
          (file == kSchemaFileName || (file.size() > 6 && file.compare(file.size() - 6, 6, ".jsonl") == 0));
    }
    if (!wanted) continue;
    auto bytes = g.show(hash, path);
    if (!bytes) return std::unexpected(bytes.error());
    if (!*bytes) continue;
    if (auto st = write_file_atomic(dir / path, **bytes); !st) return std::unexpected(st.error());
    ++files;
  }
  if (files == 0) {
    return fail(ErrorCode::kUsage, "commit " + hash.substr(0, 12) + " holds no snapshot",
                "'git log --oneline -- dbsync' lists the commits that changed the snapshot");
  }
  return hash;
}

}  // namespace dbsync
