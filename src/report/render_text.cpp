// DESIGN §7's text layout. The seven lines shown there come first and
// verbatim; the lines this file adds (changed counts, each conflict, each
// duplicate) sit inside their collection's block.
#include <fmt/format.h>

#include "json/canonical.h"
#include "report/report.h"
#include "report/shorten.h"

namespace dbsync {
namespace {

constexpr size_t kMaxValueChars = 200;

// A value as canonical JSON, shortened for a terminal.
std::string show(const MaybeValue& v) {
  if (!v) return "(missing)";
  return shorten_utf8(json::to_canonical(*v), kMaxValueChars);
}

std::string show_line(const std::string& line) { return shorten_utf8(line, kMaxValueChars); }

}  // namespace

std::string render_text(const Report& r) {
  std::string out = "DATABASE SYNCHRONIZATION REPORT\n";
  out += fmt::format("Timestamp: {}   Replica: {}   Database: {}\n", r.timestamp, r.replica, r.database);
  for (const CollectionReport& c : r.collections) {
    const MergeCounts& n = c.counts;
    out += fmt::format("Collection: {}\n", c.name);
    out += fmt::format("  Local only records: {}   Remote only records: {}   Common records: {}\n",
                       n.local_only, n.remote_only, n.common);
    out += fmt::format("  Conflicts resolved: {}   Duplicates removed: {}   Deleted: {}\n",
                       n.conflicts_resolved, n.duplicates_removed, n.deleted);
    out += fmt::format("  Total merged: {}\n", n.total);
    out += fmt::format("  Records changed: {}   Fields changed: {}\n", n.records_changed, n.fields_changed);
    if (n.conflicts_unresolved > 0) {
      out += fmt::format("  Unresolved conflicts: {} (run 'dbsync conflicts')\n", n.conflicts_unresolved);
    }
    for (const Conflict& k : c.conflicts) {
      out += fmt::format("  Conflict: key {} field {}: base {}, ours {}, theirs {} -> {} ({}{})\n", k.key,
                         k.field_label(), show(k.base), show(k.ours), show(k.theirs), show(k.chosen),
                         rule_name(k.rule), k.resolved() ? "" : ", unresolved");
    }
    for (const DuplicateRemoval& d : c.duplicates) {
      out += fmt::format("  Duplicate removed: key {} (kept {}), before: {}\n", d.removed_key, d.survivor_key,
                         show_line(d.before_line));
      for (const Conflict& k : d.conflicts) {
        out += fmt::format("    Field {}: kept {}, duplicate {} -> {} ({}{})\n", k.field_label(),
                           show(k.ours), show(k.theirs), show(k.chosen), rule_name(k.rule),
                           k.resolved() ? "" : ", unresolved");
      }
    }
  }
  if (r.result == MergeResult::kError && !r.error.empty()) out += fmt::format("Error: {}\n", r.error);
  out += fmt::format("SUMMARY: Total records after merge: {}   Conflicts resolved: {}   Status: {}\n",
                     r.total_records(), r.conflicts_resolved(), r.status());
  return out;
}

}  // namespace dbsync
