#include "snapshot/shard_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "snapshot/key.h"

namespace dbsync {

namespace {

// Reads a whole shard with one allocation of the file's size. (Growing the
// buffer as util/file.h read_file does made glibc map and unmap memory for
// every shard: verification spent more time in page faults than checking.)
// A missing file reads as empty.
Result<std::string> read_shard_bytes(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return fail(ErrorCode::kUnavailable, "cannot open '" + path.string() + "': " + std::strerror(errno));
  }
  struct stat st {};
  std::string out;
  bool failed = false;
  // Read straight into a buffer of the file's size without zero-filling it
  // first; anything past that size (the file grew) is appended after.
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    out.resize_and_overwrite(static_cast<size_t>(st.st_size), [&](char* buf, size_t size) {
      size_t used = 0;
      while (used < size) {
        ssize_t n = ::read(fd, buf + used, size - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failed = true;
        if (n <= 0) break;
        used += static_cast<size_t>(n);
      }
      return used;
    });
  }
  char buf[1 << 16];
  while (!failed) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (n == 0) {
      ::close(fd);
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  Error e(ErrorCode::kUnavailable, "cannot read '" + path.string() + "': " + std::strerror(errno));
  ::close(fd);
  return std::unexpected(std::move(e));
}

}  // namespace

Result<ShardReader> ShardReader::open(const std::filesystem::path& path, std::string label, ShardSpec spec) {
  auto bytes = read_shard_bytes(path);
  if (!bytes) return std::unexpected(bytes.error());
  return ShardReader(std::move(*bytes), std::move(label), std::move(spec));
}

ShardReader ShardReader::from_bytes(std::string bytes, std::string label, ShardSpec spec) {
  return ShardReader(std::move(bytes), std::move(label), std::move(spec));
}

Error ShardReader::at_line(Error e) const {
  return std::move(e).context("'" + label_ + "' line " + std::to_string(line_no_));
}

Result<bool> ShardReader::next() {
  if (pos_ >= data_.size()) return false;
  ++line_no_;
  const char* begin = data_.data() + pos_;
  const void* nl = std::memchr(begin, '\n', data_.size() - pos_);
  if (nl == nullptr) {
    return std::unexpected(at_line(Error(ErrorCode::kBadInput, "truncated last line (no newline at the end)",
                                         "the file was cut short; restore it from git history")));
  }
  std::string_view line(begin, static_cast<size_t>(static_cast<const char*>(nl) - begin));
  pos_ += line.size() + 1;
  auto parts = split_record_line(line);
  if (!parts) return std::unexpected(at_line(parts.error()));
  if (auto st = check_record_line(*parts, &members_, &current_.hash); !st)
    return std::unexpected(at_line(st.error()));
  // The previous key moves to prev_key_ and its buffer is reused for this
  // one, so steady state allocates nothing.
  std::swap(prev_key_, current_.key);
  if (auto st = key_encoding_from_members(current_.key, members_, spec_.key_fields); !st) {
    return std::unexpected(at_line(st.error()));
  }
  const std::string& key = current_.key;
  uint32_t shard = shard_of(key, spec_.shard_count);
  if (shard != spec_.shard) {
    return std::unexpected(
        at_line(Error(ErrorCode::kBadInput,
                      "key " + key + " belongs in shard " + shard_file_name(shard, spec_.shard_count) +
                          ", not in " + shard_file_name(spec_.shard, spec_.shard_count),
                      "records are placed by XXH3-64 of the key encoding (docs/FORMAT.md); check `shards` in "
                      "dbsync.toml")));
  }
  if (line_no_ > 1 && key <= prev_key_) {
    return std::unexpected(at_line(Error(
        ErrorCode::kBadInput, key == prev_key_ ? "duplicate key " + key : "key " + key + " is out of order",
        "records in a shard are sorted by the bytes of their key encoding")));
  }
  if (spec_.parse_docs) {
    auto doc = parse_record_doc(parts->doc);
    if (!doc) return std::unexpected(at_line(doc.error()));
    current_.doc = std::move(*doc);
  } else if (!current_.doc.is_null()) {
    current_.doc = json::Value();
  }
  current_.line = line;
  current_.parts = *parts;
  current_.line_no = line_no_;
  return true;
}

}  // namespace dbsync
