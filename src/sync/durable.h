// File steps for the replica's local state beyond util/file.h: writing the
// files of a folder that is not live yet (no rename per file; the folder is
// published later by one atomic step), linking unchanged files between
// generations, and fsyncing a folder tree. Every step passes fault::check.
// Thread-safe for distinct paths.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/error.h"

namespace dbsync {

// Creates (or truncates) `path`, writes `bytes` and fsyncs the file. Parent
// folders are created; they are not fsynced (see fsync_tree).
Status write_file_synced(const std::filesystem::path& path, std::string_view bytes);

// The same without the fsync, for writers that write many files and then
// fsync them together (fsync_file) before anything depends on them.
Status write_file_unsynced(const std::filesystem::path& path, std::string_view bytes);
// Makes a file's data durable (fdatasync: its name is the folder's business).
Status fsync_file(const std::filesystem::path& path);
// rename(2) with its fault check; the caller fsyncs the folder afterwards.
Status rename_file(const std::filesystem::path& from, const std::filesystem::path& to);

// Hard-links `from` to `to` (replacing `to`); false when the file system
// cannot link (the caller then writes a copy).
Result<bool> try_link(const std::filesystem::path& from, const std::filesystem::path& to);

// Hard-links `from` to `to` (files in the local state are never changed in
// place, so generations can share them), copying when linking fails.
Status link_or_copy(const std::filesystem::path& from, const std::filesystem::path& to);

// fsyncs `dir` and every folder below it.
Status fsync_tree(const std::filesystem::path& dir);

// Removes a folder tree; absent is not an error.
Status remove_tree(const std::filesystem::path& dir);

// Reads a whole file into `out`, reusing its capacity (no reallocation and
// no fresh pages when the buffer is reused for file after file).
Status read_file_reusing(const std::filesystem::path& path, std::string& out);

// Decodes 32 lowercase hex digits (a record hash) without branches per
// digit; false on anything else.
bool decode_hash_hex(std::string_view hex, std::array<uint8_t, 16>& out);

// XXH3-128 hex of a file's bytes.
std::string bytes_digest(std::string_view bytes);

}  // namespace dbsync
