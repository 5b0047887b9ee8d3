// The merge report (DESIGN §7): what a merge did, per collection, from the
// local replica's point of view — records only here, only there, in both;
// conflicts resolved (each listed with key, field, base, ours, theirs, the
// chosen value and the rule); duplicates removed (with before-images);
// deletions; the total; and how many records and fields changed locally.
//
// One model, rendered as the text of DESIGN §7 (report/render_text.cpp) and
// as JSON with the same numbers (report/report_json.cpp), which also reads
// back so that the records of several git merge-driver runs can be folded
// into the report of the sync that follows. Value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json/value.h"
#include "merge/conflict_json.h"
#include "merge/merge_types.h"
#include "merge/snapshot_merge.h"
#include "util/error.h"

namespace dbsync {

struct CollectionReport {
  std::string name;
  MergeResult result = MergeResult::kClean;
  MergeCounts counts;
  std::vector<Conflict> conflicts;
  std::vector<DuplicateRemoval> duplicates;
};

struct Report {
  std::string timestamp;  // "YYYY-MM-DD HH:MM:SS", UTC
  std::string replica;
  std::string database;  // a URL with any credentials removed (redact_url)
  MergeResult result = MergeResult::kClean;
  std::string error;                          // why, when result is kError
  std::vector<CollectionReport> collections;  // sorted by name

  uint64_t total_records() const;
  uint64_t conflicts_resolved() const;
  uint64_t conflicts_unresolved() const;
  // "SUCCESS", "CONFLICTS" (manual conflicts wait for `dbsync resolve`) or "FAILED".
  const char* status() const;

  // Adds a collection's figures: summed into the collection of the same
  // name if present, so several partial merges (one per shard, as the git
  // merge driver does them) add up to one report.
  void add(CollectionReport c);
};

struct ReportInfo {
  std::string replica;
  std::string database;  // redacted here
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
};

// The report of a merge of snapshot folders.
Report make_report(const SnapshotMerge& merge, const ReportInfo& info);

// "YYYY-MM-DD HH:MM:SS" in UTC.
std::string format_report_time(std::chrono::system_clock::time_point t);

// A database URL without its password or user ("postgresql://u:p@h/db" ->
// "postgresql://***@h/db"); DESIGN §10: credentials never reach a report.
// Query parameters named password/pass/pwd/secret/token get their value masked.
std::string redact_url(std::string_view url);

// DESIGN §7's text layout, with each conflict and duplicate listed under its
// collection.
std::string render_text(const Report& report);

// The same report as one self-contained HTML page (no scripts, no external
// resources; every value escaped).
std::string render_html(const Report& report);

// The same report as JSON (docs/MERGE.md gives the schema).
json::Value report_to_json(const Report& report);
// Reads report_to_json's output back; kBadInput names what is wrong.
Result<Report> report_from_json(const json::Value& v);

}  // namespace dbsync
