// Whole-file I/O with the durability the snapshot and backups need.
// Functions are thread-safe as long as callers do not write the same path.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace dbsync {

namespace fs = std::filesystem;

// Reads a whole file as bytes. kUnavailable if it cannot be opened or read.
Result<std::string> read_file(const fs::path& path);

// Writes `bytes` so that a crash leaves either the old file or the new one:
// a temp file beside it, fsync, rename over the target, fsync of the folder.
// Creates missing parent folders.
Status write_file_atomic(const fs::path& path, std::string_view bytes);

// fsyncs a folder so that renames and creations inside it are durable.
Status fsync_dir(const fs::path& dir);

// Removes a file if present and fsyncs its folder; absent is not an error.
Status remove_file_durable(const fs::path& path);

// Regular files directly inside `dir` (names only), sorted by bytes.
Result<std::vector<std::string>> list_files(const fs::path& dir);
// Sub-folders directly inside `dir` (names only), sorted by bytes.
Result<std::vector<std::string>> list_dirs(const fs::path& dir);

}  // namespace dbsync
