#include "store/postgres/pg_doc_text.h"

#include "json/parse.h"
#include "store/postgres/pg_copy_text.h"

namespace dbsync {
namespace {

size_t skip_string(std::string_view t, size_t pos, bool* escaped) {
  for (size_t i = pos + 1; i < t.size(); ++i) {
    if (t[i] == '\\') {
      if (escaped) *escaped = true;
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

size_t skip_value(std::string_view t, size_t pos) {
  if (pos >= t.size()) return std::string_view::npos;
  char c = t[pos];
  if (c == '"') return skip_string(t, pos, nullptr);
  if (c == '{' || c == '[') {
    int depth = 0;
    for (size_t i = pos; i < t.size(); ++i) {
      char d = t[i];
      if (d == '"') {
        size_t e = skip_string(t, i, nullptr);
        if (e == std::string_view::npos) return e;
        i = e - 1;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  size_t i = pos;
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']') ++i;
  return i > pos ? i : std::string_view::npos;
}

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

PgMemberCursor::PgMemberCursor(std::string_view doc) : doc_(doc) {
  if (doc_.size() < 2 || doc_[0] != '{') {
    ok_ = false;
    done_ = true;
    return;
  }
  pos_ = 1;
  if (doc_[1] == '}') {
    done_ = true;
    ok_ = doc_.size() == 2;
  }
}

bool PgMemberCursor::next(std::string_view& name, bool& escaped, std::string_view& value) {
  if (done_) return false;
  auto stop = [&] {
    ok_ = false;
    done_ = true;
    return false;
  };
  if (pos_ >= doc_.size() || doc_[pos_] != '"') return stop();
  escaped = false;
  size_t name_end = skip_string(doc_, pos_, &escaped);
  if (name_end == std::string_view::npos || name_end >= doc_.size() || doc_[name_end] != ':') return stop();
  name = doc_.substr(pos_ + 1, name_end - pos_ - 2);
  size_t vend = skip_value(doc_, name_end + 1);
  if (vend == std::string_view::npos || vend >= doc_.size()) return stop();
  value = doc_.substr(name_end + 1, vend - name_end - 1);
  if (doc_[vend] == '}') {
    if (vend + 1 != doc_.size()) return stop();
    done_ = true;
  } else if (doc_[vend] == ',') {
    pos_ = vend + 1;
  } else {
    return stop();
  }
  return true;
}

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
