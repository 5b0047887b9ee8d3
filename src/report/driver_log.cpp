#include "report/driver_log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "json/canonical.h"
#include "json/parse.h"
#include "util/file.h"
#include "util/hash.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;
using json::Value;

std::string file_stamp() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us % 1000000));
  return buf;
}

}  // namespace

Report shard_merge_report(const std::string& collection, const ShardMergeOutput& merged) {
  Report report;
  report.timestamp = format_report_time(std::chrono::system_clock::now());
  report.result = merged.result;
  CollectionReport c;
  c.name = collection;
  c.result = merged.result;
  c.counts = merged.counts;
  c.conflicts = merged.conflicts;
  report.add(std::move(c));
  return report;
}

Status write_driver_record(const fs::path& repo, const std::string& path, uint32_t shard,
                           std::string_view result_bytes, const Report& report) {
  std::string collection = report.collections.empty() ? "none" : report.collections[0].name;
  char shard_hex[16];
  std::snprintf(shard_hex, sizeof shard_hex, "%03x", shard);
  fs::path file =
      repo / kMergesDir /
      (file_stamp() + "-" + std::to_string(::getpid()) + "-" + collection + "-" + shard_hex + ".json");
  Value v = json::make_object({{"version", Value(1)},
                               {"kind", Value("merge-driver")},
                               {"path", Value(path)},
                               {"result_hash", Value(to_hex(xxh3_128(result_bytes)))},
                               {"report", report_to_json(report)}});
  return write_file_atomic(file, json::to_canonical(v) + "\n");
}

Result<DriverRecords> collect_driver_records(const fs::path& repo) {
  DriverRecords out;
  fs::path dir = repo / kMergesDir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  auto files = list_files(dir);
  if (!files) return std::unexpected(files.error());
  for (const std::string& name : *files) {
    if (!name.ends_with(".json")) continue;
    fs::path file = dir / name;
    out.files.push_back(file);
    auto text = read_file(file);
    if (!text) return std::unexpected(text.error());
    std::string_view body = *text;
    if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    auto v = json::parse(body);
    auto bad = [&](const std::string& why) {
      return fail(ErrorCode::kBadInput, "'" + file.string() + "': " + why,
                  "remove the file; it only feeds the next merge report");
    };
    if (!v) return bad(v.error().message);
    const Value* path = v->find("path");
    const Value* hash = v->find("result_hash");
    const Value* report = v->find("report");
    if (path == nullptr || !path->is_string() || hash == nullptr || !hash->is_string() || report == nullptr) {
      return bad("not a merge-driver record");
    }
    // The path comes from git's %P; only read it if it is a plain
    // dbsync/<collection>/<file> inside the repository.
    fs::path rel(path->as_string());
    if (rel.is_absolute() || path->as_string().find("..") != std::string::npos) return bad("bad 'path'");
    std::string current;
    if (fs::exists(repo / rel, ec)) {
      auto bytes = read_file(repo / rel);
      if (!bytes) return std::unexpected(bytes.error());
      current = std::move(*bytes);
    }
    if (to_hex(xxh3_128(current)) != hash->as_string()) {
      ++out.stale;
      continue;
    }
    auto r = report_from_json(*report);
    if (!r) return bad(r.error().message);
    for (auto& c : r->collections) out.report.add(std::move(c));
  }
  return out;
}

}  // namespace dbsync
