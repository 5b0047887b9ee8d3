#include "sync/git_sync_report.h"

#include <algorithm>
#include <map>
#include <set>

#include "report/driver_log.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"
#include "snapshot/verify.h"
#include "sync/doc_scan.h"
#include "util/file.h"
#include "util/lines.h"
#include "util/process.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

// key encoding -> line, from shard bytes already validated (by the driver
// or by being our own commit).
Result<std::map<std::string, std::string>> keyed_lines(std::string_view bytes, const KeyScanner& scanner,
                                                       const std::string& label) {
  std::map<std::string, std::string> out;
  size_t pos = 0, line_no = 0;
  std::string key;
  while (pos < bytes.size()) {
    ++line_no;
    size_t end = bytes.find('\n', pos);
    if (end == std::string_view::npos) end = bytes.size();
    std::string_view line = bytes.substr(pos, end - pos);
    pos = end + 1;
    auto parts = split_record_line(line);
    if (!parts || !scanner.scan(parts->doc, key)) {
      return fail(ErrorCode::kBadInput,
                  "'" + label + "' line " + std::to_string(line_no) + ": not a record line");
    }
    out.emplace(key, std::string(line));
  }
  return out;
}

// Top-level fields present in one document only or with different values
// (the merge engine's definition, docs/MERGE.md §7); 0 when the documents
// are equal, whatever their revs.
Result<uint64_t> changed_fields(std::string_view ours_line, std::string_view merged_line,
                                const std::string& label) {
  auto o = split_record_line(ours_line);
  auto m = split_record_line(merged_line);
  if (!o || !m) return fail(ErrorCode::kBadInput, "'" + label + "': not a record line");
  if (o->doc == m->doc) return 0;
  auto od = parse_record_doc(o->doc);
  auto md = parse_record_doc(m->doc);
  if (!od) return std::unexpected(std::move(od.error()).context("'" + label + "' (ours)"));
  if (!md) return std::unexpected(std::move(md.error()).context("'" + label + "'"));
  const json::Object& x = od->as_object();
  const json::Object& y = md->as_object();
  uint64_t n = 0;
  size_t i = 0, j = 0;
  while (i < x.size() || j < y.size()) {
    int cmp = i == x.size() ? 1 : j == y.size() ? -1 : json::jcs_key_compare(x[i].first, y[j].first);
    if (cmp == 0) {
      n += x[i].second == y[j].second ? 0 : 1;
      ++i, ++j;
    } else {
      ++n;
      cmp < 0 ? ++i : ++j;
    }
  }
  return n;
}

// The blobs at `specs` ("<commit>:<path>"), nullopt where absent, read by
// one `git cat-file --batch` rather than two processes per file.
Result<std::vector<std::optional<std::string>>> read_blobs(const git::Git& git,
                                                           const std::vector<std::string>& specs) {
  std::vector<std::optional<std::string>> out;
  if (specs.empty()) return out;
  ProcessOptions options;
  for (const auto& spec : specs) options.stdin_data += spec + "\n";
  auto r = git.run({"cat-file", "--batch"}, options);
  if (!r) return std::unexpected(r.error());
  std::string_view rest = *r;
  for (const auto& spec : specs) {
    size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) break;
    std::string_view header = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (header.ends_with(" missing")) {
      out.emplace_back();
      continue;
    }
    // "<object> blob <size>", then the bytes and a newline.
    size_t sp = header.rfind(' ');
    uint64_t size = 0;
    bool ok = sp != std::string_view::npos && header.find(" blob ") != std::string_view::npos;
    for (char ch : header.substr(sp + 1)) {
      ok = ok && ch >= '0' && ch <= '9';
      size = size * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (!ok || size + 1 > rest.size()) {
      return fail(ErrorCode::kUnavailable, "unexpected 'git cat-file --batch' output for '" + spec + "'");
    }
    out.emplace_back(std::string(rest.substr(0, size)));
    rest.remove_prefix(size + 1);
  }
  if (out.size() != specs.size()) {
    return fail(ErrorCode::kUnavailable, "'git cat-file --batch' stopped early");
  }
  return out;
}

Result<std::vector<std::string>> changed_paths(const git::Git& git, const std::string& a,
                                               const std::string& b) {
  auto out = git.run({"diff", "--name-only", "-z", "--no-renames", a, b, "--", kSnapshotDirName});
  if (!out) return std::unexpected(out.error());
  return git::split_nul(*out);
}

}  // namespace

Result<Report> build_sync_report(const git::Git& git, const Replica& replica,
                                 const std::optional<MergedCommits>& merged,
                                 const std::map<std::string, std::vector<DuplicateRemoval>>& duplicates,
                                 const ReportInfo& info) {
  std::set<std::string> changed_set;
  if (merged) {
    auto changed = changed_paths(git, merged->ours, merged->theirs);
    if (!changed) return std::unexpected(changed.error());
    changed_set.insert(changed->begin(), changed->end());
  }
  auto names = replica.layout.list_collections();
  if (!names) return std::unexpected(names.error());
  // Both sides of every changed shard, in one git process.
  std::map<std::string, std::pair<std::string, std::string>> sides;  // label -> ours, theirs
  if (merged && !changed_set.empty()) {
    std::vector<std::string> specs, labels(changed_set.begin(), changed_set.end());
    for (const auto& label : labels) {
      specs.push_back(merged->ours + ":" + label);
      specs.push_back(merged->theirs + ":" + label);
    }
    auto blobs = read_blobs(git, specs);
    if (!blobs) return std::unexpected(blobs.error());
    for (size_t i = 0; i < labels.size(); ++i) {
      sides[labels[i]] = {(*blobs)[2 * i].value_or(""), (*blobs)[2 * i + 1].value_or("")};
    }
  }

  Report report;
  report.timestamp = format_report_time(info.time);
  report.replica = info.replica;
  report.database = info.database;
  for (const auto& name : *names) {
    CollectionReport c;
    c.name = name;
    auto key = collection_key(replica.layout, replica.config, name);
    if (!key) return std::unexpected(key.error());
    KeyScanner scanner(*key);
    uint32_t count = replica.config.collection(name).shards;
    for (uint32_t shard = 0; shard < count; ++shard) {
      std::string label = replica.layout.shard_label(name, shard, count);
      fs::path path = replica.layout.shard_path(name, shard, count);
      std::string merged_bytes;
      std::error_code ec;
      if (fs::exists(path, ec)) {
        auto bytes = read_file(path);
        if (!bytes) return std::unexpected(bytes.error());
        merged_bytes = std::move(*bytes);
      }
      if (!changed_set.contains(label)) {
        uint64_t n = count_newlines(merged_bytes);
        c.counts.common += n;
        c.counts.total += n;
        continue;
      }
      const auto& [ours_bytes, theirs_bytes] = sides[label];
      auto o = keyed_lines(ours_bytes, scanner, label + " (ours)");
      auto t = keyed_lines(theirs_bytes, scanner, label + " (theirs)");
      auto m = keyed_lines(merged_bytes, scanner, label);
      if (!o) return std::unexpected(o.error());
      if (!t) return std::unexpected(t.error());
      if (!m) return std::unexpected(m.error());
      for (const auto& [k, line] : *o) {
        if (t->contains(k))
          ++c.counts.common;
        else
          ++c.counts.local_only;
        auto it = m->find(k);
        if (it == m->end()) {
          ++c.counts.deleted;
          ++c.counts.records_changed;
          continue;
        }
        auto fields = changed_fields(line, it->second, label);
        if (!fields) return std::unexpected(fields.error());
        if (*fields > 0) ++c.counts.records_changed;
        c.counts.fields_changed += *fields;
      }
      for (const auto& [k, line] : *t) {
        if (o->contains(k)) continue;
        ++c.counts.remote_only;
        if (!m->contains(k))
          ++c.counts.deleted;
        else
          ++c.counts.records_changed;
      }
      c.counts.total += m->size();
    }
    if (auto it = duplicates.find(name); it != duplicates.end()) {
      // Removed duplicates were counted as deleted above; report them apart.
      c.duplicates = it->second;
      c.counts.duplicates_removed = it->second.size();
      c.counts.deleted -= std::min<uint64_t>(c.counts.deleted, it->second.size());
    }
    report.add(std::move(c));
  }

  // Conflicts as the driver runs resolved them; their counts are already in
  // the figures above, so only the lists are taken.
  if (!merged) return report;
  auto records = collect_driver_records(replica.repo);
  if (!records) return std::unexpected(records.error());
  for (auto& rc : records->report.collections) {
    CollectionReport c;
    c.name = rc.name;
    c.result = rc.result;
    c.conflicts = std::move(rc.conflicts);
    c.counts.conflicts_resolved = rc.counts.conflicts_resolved;
    c.counts.conflicts_unresolved = rc.counts.conflicts_unresolved;
    report.add(std::move(c));
  }
  for (const auto& f : records->files) {
    std::error_code ec;
    fs::remove(f, ec);
  }
  return report;
}

}  // namespace dbsync
