#include "merge/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/file.h"

namespace dbsync {

Status write_output_file(const std::filesystem::path& path, std::string_view bytes, bool durable) {
  std::error_code ec;
  if (bytes.empty()) {
    if (durable) return remove_file_durable(path);
    std::filesystem::remove(path, ec);
    if (ec) return fail(ErrorCode::kUnavailable, "cannot remove '" + path.string() + "': " + ec.message());
    return {};
  }
  if (durable) return write_file_atomic(path, bytes);
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return fail(ErrorCode::kUnavailable,
                "cannot create folder '" + path.parent_path().string() + "': " + ec.message());
  }
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(::gettid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return fail(ErrorCode::kUnavailable, "cannot create '" + tmp.string() + "': " + std::strerror(errno));
  }
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return fail(ErrorCode::kUnavailable, "cannot write '" + path.string() + "': " + why);
  }
  return {};
}

Result<bool> read_file_into(const std::filesystem::path& path, std::string& buf) {
  buf.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    return fail(ErrorCode::kUnavailable, "cannot open '" + path.string() + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) buf.reserve(static_cast<size_t>(st.st_size));
  char chunk[1 << 16];
  for (;;) {
    // Straight into the buffer while it has room; the chunk covers a file
    // that grew after fstat.
    size_t room = buf.capacity() - buf.size();
    ssize_t n;
    if (room > 0) {
      // resize_and_overwrite: no zero fill of bytes read() overwrites anyway.
      size_t old = buf.size();
      n = 0;
      buf.resize_and_overwrite(buf.capacity(), [&](char* p, size_t) {
        n = ::read(fd, p + old, room);
        return old + static_cast<size_t>(std::max<ssize_t>(n, 0));
      });
    } else {
      n = ::read(fd, chunk, sizeof chunk);
      if (n > 0) buf.append(chunk, static_cast<size_t>(n));
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string why = std::strerror(errno);
      ::close(fd);
      return fail(ErrorCode::kUnavailable, "cannot read '" + path.string() + "': " + why);
    }
    if (n == 0) break;
  }
  ::close(fd);
  return true;
}

}  // namespace dbsync
