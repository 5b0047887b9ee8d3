#include "sync/durable.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/fault.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace fs = std::filesystem;

namespace {
Error io_error(const std::string& what, const fs::path& path) {
  return Error(ErrorCode::kUnavailable, what + " '" + path.string() + "': " + std::strerror(errno));
}
}  // namespace

Status write_file_synced(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return fail(ErrorCode::kUnavailable,
                "cannot create folder '" + path.parent_path().string() + "': " + ec.message());
  if (auto st = fault::check(fault::Op::kWrite, path.string()); !st) return st;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(io_error("cannot create", path));
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = io_error("cannot write", path);
      ::close(fd);
      return std::unexpected(e);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (auto st = fault::check(fault::Op::kFsync, path.string()); !st) {
    ::close(fd);
    return st;
  }
  if (::fsync(fd) != 0) {
    Error e = io_error("cannot fsync", path);
    ::close(fd);
    return std::unexpected(e);
  }
  ::close(fd);
  return {};
}

Status link_or_copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (auto st = fault::check(fault::Op::kWrite, to.string()); !st) return st;
  ::unlink(to.c_str());
  if (::link(from.c_str(), to.c_str()) == 0) return {};
  auto bytes = read_file(from);
  if (!bytes) return std::unexpected(bytes.error());
  return write_file_synced(to, *bytes);
}

Status fsync_tree(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) {
      if (auto st = fsync_dir(it->path()); !st) return st;
    }
  }
  if (ec) return fail(ErrorCode::kUnavailable, "cannot list '" + dir.string() + "': " + ec.message());
  return fsync_dir(dir);
}

Status remove_tree(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "cannot remove '" + dir.string() + "': " + ec.message());
  return {};
}

std::string bytes_digest(std::string_view bytes) { return to_hex(xxh3_128(bytes)); }

}  // namespace dbsync
