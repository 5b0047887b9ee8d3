#include "store/sqlite/sqlite_value.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/base64.h"

namespace dbsync {
namespace {

void append_binary(std::string& out, std::string_view bytes, const char* subtype) {
  out += "{\"$binary\":{\"base64\":\"";
  append_base64(out, bytes);
  out += "\",\"subType\":\"";
  out += subtype;
  out += "\"}}";
}

// The single member of a one-member object whose key starts with '$'.
const json::Member* wrapper(const json::Value& v) {
  if (!v.is_object() || v.as_object().size() != 1) return nullptr;
  const json::Member& m = v.as_object().front();
  return !m.first.empty() && m.first[0] == '$' ? &m : nullptr;
}

Status bind_rc(sqlite3_stmt* stmt, int rc) {
  if (rc == SQLITE_OK) return {};
  return fail(ErrorCode::kInternal, std::string("cannot bind a value: ") + sqlite3_errstr(rc));
}

}  // namespace

void append_sqlite_column(std::string& out, sqlite3_stmt* stmt, int col) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(sqlite3_column_int64(stmt, col)));
      out.append(buf, r.ptr);
      return;
    }
    case SQLITE_FLOAT: json::append_canonical(out, json::Value(sqlite3_column_double(stmt, col))); return;
    case SQLITE_TEXT: {
      const char* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
      std::string_view text(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
      if (simdjson::validate_utf8(text.data(), text.size())) {
        json::append_string_literal(out, text);
      } else {
        append_binary(out, text, kInvalidUtf8TextSubtype);
      }
      return;
    }
    case SQLITE_BLOB: {
      const char* p = static_cast<const char*>(sqlite3_column_blob(stmt, col));
      append_binary(out, std::string_view(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, col))),
                    "00");
      return;
    }
    default: out += "null"; return;
  }
}

Status bind_json_value(sqlite3_stmt* stmt, int index, const json::Value& value, std::string_view field) {
  switch (value.kind()) {
    case json::Kind::kNull: return bind_rc(stmt, sqlite3_bind_null(stmt, index));
    case json::Kind::kBool: return bind_rc(stmt, sqlite3_bind_int64(stmt, index, value.as_bool() ? 1 : 0));
    case json::Kind::kInt: return bind_rc(stmt, sqlite3_bind_int64(stmt, index, value.as_int()));
    case json::Kind::kDouble: return bind_rc(stmt, sqlite3_bind_double(stmt, index, value.as_double()));
    case json::Kind::kString: {
      const std::string& s = value.as_string();
      return bind_rc(stmt,
                     sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    case json::Kind::kArray: break;
    case json::Kind::kObject: {
      const json::Member* w = wrapper(value);
      if (w == nullptr) break;
      const json::Value& inner = w->second;
      if (w->first == "$binary") {
        const json::Value* b64 = inner.find("base64");
        const json::Value* sub = inner.find("subType");
        if (!inner.is_object() || inner.as_object().size() != 2 || b64 == nullptr || !b64->is_string() ||
            sub == nullptr || !sub->is_string()) {
          return fail(ErrorCode::kBadInput, "field '" + std::string(field) +
                                                "': $binary needs exactly 'base64' and 'subType' strings");
        }
        auto bytes = decode_base64(b64->as_string());
        if (!bytes) {
          return fail(ErrorCode::kBadInput,
                      "field '" + std::string(field) + "': $binary base64 is malformed");
        }
        if (sub->as_string() == kInvalidUtf8TextSubtype) {
          return bind_rc(stmt, sqlite3_bind_text64(stmt, index, bytes->data(), bytes->size(),
                                                   SQLITE_TRANSIENT, SQLITE_UTF8));
        }
        return bind_rc(stmt,
                       sqlite3_bind_blob64(stmt, index, bytes->data(), bytes->size(), SQLITE_TRANSIENT));
      }
      if (w->first == "$numberLong" || w->first == "$numberInt") {
        int64_t v = 0;
        if (inner.is_string()) {
          const std::string& s = inner.as_string();
          auto r = std::from_chars(s.data(), s.data() + s.size(), v);
          if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
            return bind_rc(stmt, sqlite3_bind_int64(stmt, index, v));
          }
        }
        break;
      }
      if (w->first == "$numberDouble" && inner.is_string()) {
        const std::string& s = inner.as_string();
        double d;
        if (s == "Infinity") {
          d = HUGE_VAL;
        } else if (s == "-Infinity") {
          d = -HUGE_VAL;
        } else if (s == "NaN") {
          return bind_rc(stmt, sqlite3_bind_null(stmt, index));
        } else {
          auto r = std::from_chars(s.data(), s.data() + s.size(), d);
          if (r.ec != std::errc() || r.ptr != s.data() + s.size()) break;
        }
        return bind_rc(stmt, sqlite3_bind_double(stmt, index, d));
      }
      break;
    }
  }
  std::string text = json::to_canonical(value);
  return bind_rc(stmt,
                 sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

namespace {

Status bind_parsed(sqlite3_stmt* stmt, int index, std::string_view text, std::string_view field) {
  auto v = json::parse(text);
  if (!v) return std::unexpected(std::move(v.error()).context("field '" + std::string(field) + "'"));
  return bind_json_value(stmt, index, *v, field);
}

}  // namespace

Status bind_json_text(sqlite3_stmt* stmt, int index, std::string_view text, std::string_view field) {
  if (text.empty()) return bind_parsed(stmt, index, text, field);
  switch (text[0]) {
    case 'n':
      if (text == "null") return bind_rc(stmt, sqlite3_bind_null(stmt, index));
      break;
    case 't':
      if (text == "true") return bind_rc(stmt, sqlite3_bind_int64(stmt, index, 1));
      break;
    case 'f':
      if (text == "false") return bind_rc(stmt, sqlite3_bind_int64(stmt, index, 0));
      break;
    case '"': {
      std::string_view inner = text.substr(1, text.size() - 2);
      if (text.size() >= 2 && text.back() == '"' && inner.find('\\') == std::string_view::npos &&
          inner.find('"') == std::string_view::npos) {
        return bind_rc(
            stmt, sqlite3_bind_text64(stmt, index, inner.data(), inner.size(), SQLITE_STATIC, SQLITE_UTF8));
      }
      break;
    }
    case '{':
    case '[': break;
    default: {
      const char* b = text.data();
      const char* e = b + text.size();
      if (text.find_first_of(".eE") == std::string_view::npos) {
        int64_t v;
        auto r = std::from_chars(b, e, v);
        if (r.ec == std::errc() && r.ptr == e) return bind_rc(stmt, sqlite3_bind_int64(stmt, index, v));
      } else {
        double d;
        auto r = std::from_chars(b, e, d);
        if (r.ec == std::errc() && r.ptr == e && std::isfinite(d) && d != 0) {
          return bind_rc(stmt, sqlite3_bind_double(stmt, index, d));
        }
      }
      break;
    }
  }
  // Escaped strings, objects and arrays ($binary, $numberLong, nested
  // values) and anything unusual: the full parser decides.
  return bind_parsed(stmt, index, text, field);
}

}  // namespace dbsync
