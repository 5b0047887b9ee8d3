#include "report/report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace dbsync {

uint64_t Report::total_records() const {
  uint64_t n = 0;
  for (const auto& c : collections) n += c.counts.total;
  return n;
}

uint64_t Report::conflicts_resolved() const {
  uint64_t n = 0;
  for (const auto& c : collections) n += c.counts.conflicts_resolved;
  return n;
}

uint64_t Report::conflicts_unresolved() const {
  uint64_t n = 0;
  for (const auto& c : collections) n += c.counts.conflicts_unresolved;
  return n;
}

const char* Report::status() const {
  switch (result) {
    case MergeResult::kClean: return "SUCCESS";
    case MergeResult::kConflict: return "CONFLICTS";
    case MergeResult::kError: return "FAILED";
  }
  return "?";
}

void Report::add(CollectionReport c) {
  result = worse(result, c.result);
  auto it = std::lower_bound(collections.begin(), collections.end(), c.name,
                             [](const CollectionReport& a, const std::string& n) { return a.name < n; });
  if (it == collections.end() || it->name != c.name) {
    collections.insert(it, std::move(c));
    return;
  }
  it->result = worse(it->result, c.result);
  it->counts.add(c.counts);
  for (auto& k : c.conflicts) it->conflicts.push_back(std::move(k));
  for (auto& d : c.duplicates) it->duplicates.push_back(std::move(d));
}

Report make_report(const SnapshotMerge& merge, const ReportInfo& info) {
  Report r;
  r.timestamp = format_report_time(info.time);
  r.replica = info.replica;
  r.database = redact_url(info.database);
  for (const CollectionMerge& m : merge.collections) {
    CollectionReport c;
    c.name = m.name;
    c.result = m.result;
    c.counts = m.counts;
    c.conflicts = m.conflicts;
    c.duplicates = m.duplicates;
    r.add(std::move(c));
  }
  r.result = merge.result;
  return r;
}

std::string format_report_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  // user:password@ in the authority part.
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) out.replace(start, at - start, "***");
  }
  // password=… style query parameters (libpq and MongoDB accept them).
  for (const char* name : {"password=", "pass=", "pwd=", "secret=", "token="}) {
    size_t pos = 0;
    while ((pos = out.find(name, pos)) != std::string::npos) {
      bool at_param = pos > 0 && (out[pos - 1] == '?' || out[pos - 1] == '&' || out[pos - 1] == ' ');
      size_t value = pos + std::char_traits<char>::length(name);
      if (!at_param) {
        pos = value;
        continue;
      }
      size_t end = out.find_first_of("& ", value);
      if (end == std::string::npos) end = out.size();
      out.replace(value, end - value, "***");
      pos = value + 3;
    }
  }
  return out;
}

}  // namespace dbsync
