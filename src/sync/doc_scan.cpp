#include "sync/doc_scan.h"

#include "json/canonical.h"
#include "json/member_cursor.h"
#include "json/parse.h"

namespace dbsync {

KeyScanner::KeyScanner(const std::vector<std::string>& key_fields) {
  for (const auto& f : key_fields) {
    std::string lit;
    json::append_string_literal(lit, f);
    literals_.push_back(std::move(lit));
  }
}

bool KeyScanner::scan(std::string_view doc, std::string& out) const {
  thread_local std::vector<std::string_view> found;
  found.assign(literals_.size(), std::string_view());
  size_t missing = literals_.size();
  if (doc.size() < 2 || doc[0] != '{') return false;
  size_t i = 1;
  if (doc[i] == '}') return missing == 0 && (out = "[]", true);
  while (i < doc.size()) {
    if (doc[i] != '"') return false;
    size_t name_end = skip_json_string(doc, i);
    if (name_end == std::string_view::npos || name_end >= doc.size() || doc[name_end] != ':') return false;
    std::string_view name = doc.substr(i, name_end - i);
    size_t vstart = name_end + 1;
    size_t vend = skip_json_value(doc, vstart);
    if (vend == std::string_view::npos || vend >= doc.size()) return false;
    for (size_t k = 0; k < literals_.size(); ++k) {
      if (found[k].data() == nullptr && literals_[k] == name) {
        found[k] = doc.substr(vstart, vend - vstart);
        --missing;
      }
    }
    if (doc[vend] == '}') break;
    if (doc[vend] != ',') return false;
    i = vend + 1;
  }
  if (missing != 0) return false;
  out.assign(1, '[');
  for (size_t k = 0; k < found.size(); ++k) {
    if (k) out += ',';
    out += found[k];
  }
  out += ']';
  return true;
}

}  // namespace dbsync

namespace dbsync {

bool top_level_fields(std::string_view doc, std::vector<std::string>& out) {
  MemberCursor cursor(doc);
  std::string_view raw, value;
  bool escaped = false;
  while (cursor.next(raw, escaped, value)) {
    if (!escaped) {
      out.emplace_back(raw);  // nothing to unescape
      continue;
    }
    auto name = json::parse("\"" + std::string(raw) + "\"");
    if (!name || !name->is_string()) return false;
    out.push_back(name->as_string());
  }
  return cursor.ok();
}

}  // namespace dbsync
