#include "util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "util/fault.h"

namespace dbsync {
namespace {

Error io_error(const std::string& what, const fs::path& path) {
  return Error(ErrorCode::kUnavailable, what + " '" + path.string() + "': " + std::strerror(errno));
}

Status write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_error("cannot write", path));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Result<std::string> read_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open", path));
  // Sized from fstat and read in place: one allocation and no copy for a
  // file that does not grow while it is read (it may; then it grows).
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Error e = io_error("cannot stat", path);
    ::close(fd);
    return std::unexpected(e);
  }
  std::string out;
  // One spare byte, so the read that finds the end needs no more room.
  out.resize((st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0) + 1);
  size_t got = 0;
  for (;;) {
    if (got == out.size()) out.resize(out.size() + (out.size() < 65536 ? 65536 : out.size() / 2));
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = io_error("cannot read", path);
      ::close(fd);
      return std::unexpected(e);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Status fsync_dir(const fs::path& dir) {
  if (auto st = fault::check(fault::Op::kFsync, dir.string()); !st) return st;
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open folder", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("cannot fsync folder", dir));
  return {};
}

Status write_file_atomic(const fs::path& path, std::string_view bytes) {
  fs::path dir = path.parent_path();
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);
  if (ec)
    return fail(ErrorCode::kUnavailable, "cannot create folder '" + dir.string() + "': " + ec.message());

  thread_local std::mt19937_64 rng{std::random_device{}()};
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rng() % 1000000);
  if (auto st = fault::check(fault::Op::kWrite, path.string()); !st) return st;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(io_error("cannot create", tmp));
  auto cleanup = [&](Error e) -> Status {
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::unexpected(std::move(e));
  };
  if (auto st = write_all(fd, bytes, tmp); !st) return cleanup(st.error());
  if (auto st = fault::check(fault::Op::kFsync, path.string()); !st) return cleanup(st.error());
  if (::fsync(fd) != 0) return cleanup(io_error("cannot fsync", tmp));
  ::close(fd);
  if (auto st = fault::check(fault::Op::kRename, path.string()); !st) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = io_error("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return std::unexpected(e);
  }
  return fsync_dir(dir);
}

Status remove_file_durable(const fs::path& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return std::unexpected(io_error("cannot remove", path));
  }
  return fsync_dir(path.parent_path());
}

static Result<std::vector<std::string>> list_entries(const fs::path& dir, bool want_dirs) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "cannot list '" + dir.string() + "': " + ec.message());
  for (const auto& entry : it) {
    bool is_dir = entry.is_directory(ec);
    bool is_file = entry.is_regular_file(ec);
    if ((want_dirs && is_dir) || (!want_dirs && is_file)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> list_files(const fs::path& dir) { return list_entries(dir, false); }
Result<std::vector<std::string>> list_dirs(const fs::path& dir) { return list_entries(dir, true); }

}  // namespace dbsync
