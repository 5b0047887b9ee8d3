#include "merge/output_file.h"

#include <unistd.h>

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

}  // namespace dbsync
