#include "store/postgres/pg_doc_text.h"

#include "json/member_cursor.h"
#include "json/parse.h"
#include "store/postgres/pg_copy_text.h"

namespace dbsync {
namespace {

bool is_integer_text(std::string_view t) {
  size_t i = t[0] == '-' ? 1 : 0;
  // At most 18 digits: always within int64, as the parsed value would be.
  if (i >= t.size() || t.size() - i > 18) return false;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return true;
}

bool is_number_text(std::string_view t) { return t[0] == '-' || (t[0] >= '0' && t[0] <= '9'); }

Status append_parsed(std::string& out, const PgType& type, std::string_view json, std::string_view field) {
  auto v = json::parse(json);
  if (!v) return std::unexpected(std::move(v.error()).context("field '" + std::string(field) + "'"));
  auto text = pg_text_of(type, *v, field);
  if (!text) return std::unexpected(text.error());
  append_copy_value(out, *text);
  return {};
}

}  // namespace

Status append_copy_of_json_text(std::string& out, const PgType& type, std::string_view json,
                                std::string_view field) {
  if (json.empty()) return fail(ErrorCode::kBadInput, "field '" + std::string(field) + "': no value");
  if (json == "null") {
    out += "\\N";
    return {};
  }
  // pg_text_of converts scalars of an array column as text.
  PgKind kind = type.array ? PgKind::kText : type.kind;
  if (kind == PgKind::kJson) {
    // The canonical text is what pg_text_of writes for json columns.
    append_copy_value(out, std::string(json));
    return {};
  }
  char c = json[0];
  if (c == '"') {
    std::string_view inner = json.substr(1, json.size() - 2);
    // Without a backslash the string holds no escape, so no character that
    // COPY would need escaped either (canonical JSON escapes controls).
    if (kind != PgKind::kBytea && json.size() >= 2 && json.back() == '"' &&
        inner.find('\\') == std::string_view::npos) {
      out += inner;
      return {};
    }
  } else if (c == 't' || c == 'f') {
    bool yes = json == "true";
    if (yes || json == "false") {
      out += kind == PgKind::kInt ? (yes ? "1" : "0") : (yes ? "true" : "false");
      return {};
    }
  } else if (is_number_text(json)) {
    if (is_integer_text(json)) {
      if (kind == PgKind::kBool && (json == "0" || json == "1")) {
        out += json == "1" ? "true" : "false";
      } else {
        out += json;
      }
      return {};
    }
    // A double's canonical text is the shortest form pg_text_of writes;
    // an integer column needs it as an integer, when it is one.
    if (kind != PgKind::kInt && json.find_first_not_of("0123456789.eE+-") == std::string_view::npos) {
      out += json;
      return {};
    }
  }
  return append_parsed(out, type, json, field);
}

}  // namespace dbsync
