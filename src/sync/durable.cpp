#include "sync/durable.h"

#include <fcntl.h>
#include <sys/stat.h>
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

namespace {

Status write_file_impl(const fs::path& path, std::string_view bytes, bool sync) {
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
  if (!sync) {
    // Every unsynced write is fsync'd later (after a batch of them): start
    // the write-back now, without waiting, so that fsync finds most of the
    // data on disk instead of writing a few hundred megabytes at once. A
    // hint only; its failure changes nothing.
    (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  } else {
    if (auto st = fault::check(fault::Op::kFsync, path.string()); !st) {
      ::close(fd);
      return st;
    }
    if (::fsync(fd) != 0) {
      Error e = io_error("cannot fsync", path);
      ::close(fd);
      return std::unexpected(e);
    }
  }
  ::close(fd);
  return {};
}

}  // namespace

Status write_file_synced(const fs::path& path, std::string_view bytes) {
  return write_file_impl(path, bytes, true);
}

Status write_file_unsynced(const fs::path& path, std::string_view bytes) {
  return write_file_impl(path, bytes, false);
}

Status fsync_file(const fs::path& path) {
  if (auto st = fault::check(fault::Op::kFsync, path.string()); !st) return st;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open", path));
  // The data (and what reading it back needs); the file's name is made
  // durable by fsync_dir/fsync_tree. fdatasync skips a journal commit for
  // a file whose data is already on disk but whose link count changed (a
  // shard hard-linked into a generation): 256 shards, 256 commits saved.
  int rc = ::fdatasync(fd);
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("cannot fsync", path));
  return {};
}

Status rename_file(const fs::path& from, const fs::path& to) {
  if (auto st = fault::check(fault::Op::kRename, to.string()); !st) return st;
  if (::rename(from.c_str(), to.c_str()) != 0) return std::unexpected(io_error("cannot rename onto", to));
  return {};
}

Result<bool> try_link(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (auto st = fault::check(fault::Op::kWrite, to.string()); !st) return std::unexpected(st.error());
  ::unlink(to.c_str());
  return ::link(from.c_str(), to.c_str()) == 0;
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

Status read_file_reusing(const fs::path& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open", path));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Error e = io_error("cannot stat", path);
    ::close(fd);
    return std::unexpected(e);
  }
  // One spare byte, so the read that finds the end needs no more room.
  out.resize(static_cast<size_t>(st.st_size) + 1);
  size_t got = 0;
  for (;;) {
    if (got == out.size()) out.resize(out.size() + out.size() / 2 + 65536);  // the file grew meanwhile
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
  return {};
}

namespace {
constexpr std::array<int8_t, 256> make_hex_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(i);
  for (int i = 0; i < 6; ++i) t['a' + i] = static_cast<int8_t>(10 + i);
  return t;
}
constexpr auto kHexTable = make_hex_table();
}  // namespace

bool decode_hash_hex(std::string_view hex, std::array<uint8_t, 16>& out) {
  if (hex.size() != 32) return false;
  int bad = 0;
  for (size_t i = 0; i < 16; ++i) {
    int hi = kHexTable[static_cast<uint8_t>(hex[2 * i])],
        lo = kHexTable[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= hi | lo;
    out[i] = static_cast<uint8_t>(hi << 4 | (lo & 15));
  }
  return bad >= 0;
}

std::string bytes_digest(std::string_view bytes) { return to_hex(xxh3_128(bytes)); }

}  // namespace dbsync
