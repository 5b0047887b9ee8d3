#include "sync/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>

#include "sync/local_state.h"
#include "util/file.h"

namespace dbsync {
namespace {

struct Held {
  int fd = -1;
  int count = 0;
};
std::mutex g_mu;
std::map<std::string, Held> g_held;

}  // namespace

Result<ReplicaLock> ReplicaLock::acquire(const std::filesystem::path& repo) {
  LocalPaths paths(repo);
  std::error_code ec;
  std::filesystem::create_directories(paths.root, ec);
  if (ec)
    return fail(ErrorCode::kUnavailable, "cannot create '" + paths.root.string() + "': " + ec.message());
  std::string key = std::filesystem::weakly_canonical(paths.lock(), ec).string();
  if (ec) key = paths.lock().string();

  std::lock_guard<std::mutex> guard(g_mu);
  Held& held = g_held[key];
  if (held.count > 0) {
    ++held.count;
    return ReplicaLock(key);
  }
  int fd = ::open(paths.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    g_held.erase(key);
    return fail(ErrorCode::kUnavailable,
                "cannot open '" + paths.lock().string() + "': " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    g_held.erase(key);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return fail(ErrorCode::kUnavailable,
                "another dbsync process (pid " + pid + ") is working on this replica ('" +
                    paths.lock().string() + "' is locked)",
                "wait for it to finish, then run the command again");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t w = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  held.fd = fd;
  held.count = 1;
  return ReplicaLock(key);
}

ReplicaLock::~ReplicaLock() {
  if (key_.empty()) return;
  std::lock_guard<std::mutex> guard(g_mu);
  auto it = g_held.find(key_);
  if (it == g_held.end()) return;
  if (--it->second.count == 0) {
    ::close(it->second.fd);  // releases the flock
    g_held.erase(it);
  }
}

}  // namespace dbsync
