// The report as one self-contained HTML page (`dbsync report --html`): the
// same numbers as the text, a table per collection for conflicts and
// duplicates, no scripts and no external resources, so it can be mailed or
// archived as it is. Every value comes from snapshots (untrusted) and is
// escaped.
#include <fmt/format.h>

#include "json/canonical.h"
#include "report/report.h"
#include "report/shorten.h"

namespace dbsync {
namespace {

constexpr size_t kMaxValueChars = 2000;

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A value as escaped canonical JSON, shortened when long.
std::string show(const MaybeValue& v) {
  if (!v) return "<i>(missing)</i>";
  return "<code>" + escape(shorten_utf8(json::to_canonical(*v), kMaxValueChars)) + "</code>";
}

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td.n{text-align:right}code{font-size:90%;word-break:break-all}"
    ".SUCCESS{color:#176b20}.CONFLICTS{color:#a15c00}.FAILED{color:#b00020}";

}  // namespace

std::string render_html(const Report& r) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>dbsync report {}</title><style>{}</style></head><body>\n",
      escape(r.timestamp), kStyle);
  out += "<h1>Database synchronization report</h1>\n";
  out += fmt::format("<p>Timestamp: {} &middot; Replica: {} &middot; Database: {}</p>\n", escape(r.timestamp),
                     escape(r.replica), escape(r.database));
  out += fmt::format(
      "<p><b>Summary:</b> total records after merge {} &middot; conflicts resolved {} &middot; "
      "status <b class=\"{}\">{}</b></p>\n",
      r.total_records(), r.conflicts_resolved(), r.status(), r.status());
  if (r.result == MergeResult::kError && !r.error.empty()) {
    out += fmt::format("<p class=\"FAILED\">Error: {}</p>\n", escape(r.error));
  }
  out +=
      "<table><tr><th>collection</th><th>local only</th><th>remote only</th><th>common</th>"
      "<th>conflicts resolved</th><th>unresolved</th><th>duplicates removed</th><th>deleted</th>"
      "<th>total merged</th><th>records changed</th><th>fields changed</th></tr>\n";
  for (const CollectionReport& c : r.collections) {
    const MergeCounts& n = c.counts;
    out += fmt::format(
        "<tr><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>"
        "<td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>"
        "<td class=n>{}</td></tr>\n",
        escape(c.name), n.local_only, n.remote_only, n.common, n.conflicts_resolved, n.conflicts_unresolved,
        n.duplicates_removed, n.deleted, n.total, n.records_changed, n.fields_changed);
  }
  out += "</table>\n";
  for (const CollectionReport& c : r.collections) {
    if (c.conflicts.empty() && c.duplicates.empty()) continue;
    out += fmt::format("<h2>{}</h2>\n", escape(c.name));
    if (!c.conflicts.empty()) {
      out +=
          "<table><tr><th>key</th><th>field</th><th>base</th><th>ours</th><th>theirs</th>"
          "<th>chosen</th><th>rule</th></tr>\n";
      for (const Conflict& k : c.conflicts) {
        out += fmt::format(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td>"
            "</tr>\n",
            escape(k.key), escape(k.field_label()), show(k.base), show(k.ours), show(k.theirs),
            show(k.chosen), rule_name(k.rule), k.resolved() ? "" : " (unresolved)");
      }
      out += "</table>\n";
    }
    if (!c.duplicates.empty()) {
      out += "<table><tr><th>duplicate removed</th><th>kept</th><th>before-image</th><th>fields</th></tr>\n";
      for (const DuplicateRemoval& d : c.duplicates) {
        std::string fields;
        for (const Conflict& k : d.conflicts) {
          fields += fmt::format("{}: kept {}, duplicate {} &rarr; {} ({})<br>", escape(k.field_label()),
                                show(k.ours), show(k.theirs), show(k.chosen), rule_name(k.rule));
        }
        out += fmt::format(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td>"
            "</tr>\n",
            escape(d.removed_key), escape(d.survivor_key), escape(d.before_line), fields);
      }
      out += "</table>\n";
    }
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace dbsync
