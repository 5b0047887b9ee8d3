// How merge output reaches disk: a shard or schema file replaced in one
// rename, so a reader sees the old file or the new one; an empty shard is
// removed (a snapshot carries no empty shard files). `durable` adds the
// fsyncs of util/file.h; without it a crash may lose the write (fine for a
// scratch output folder, and much faster across hundreds of shards).
// Thread-safe for different paths.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.h"

namespace dbsync {

Status write_output_file(const std::filesystem::path& path, std::string_view bytes, bool durable);

// Reads a whole file into `buf`, reusing its capacity (one read of the
// file's size: no growth copies, no fresh pages once warm). A missing file
// gives false and an empty `buf`.
Result<bool> read_file_into(const std::filesystem::path& path, std::string& buf);

}  // namespace dbsync
