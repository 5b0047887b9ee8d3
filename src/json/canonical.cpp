#include "json/canonical.h"

#include <charconv>
#include <cmath>

namespace dbsync::json {

void append_string_literal(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_canonical(std::string& out, const Value& value, NumberProfile profile) {
  switch (value.kind()) {
    case Kind::kNull: out += "null"; return;
    case Kind::kBool: out += value.as_bool() ? "true" : "false"; return;
    case Kind::kInt: {
      // RFC 8785 reads every number as an IEEE double, so under kJcs an
      // integer beyond +-2^53 is written as the double nearest to it. The
      // dbsync profile never does that: int64 values stay exact.
      constexpr int64_t kExactInDouble = int64_t{1} << 53;
      if (profile == NumberProfile::kJcs &&
          (value.as_int() > kExactInDouble || value.as_int() < -kExactInDouble)) {
        append_double(out, static_cast<double>(value.as_int()), profile);
        return;
      }
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, value.as_int());
      out.append(buf, r.ptr);
      return;
    }
    case Kind::kDouble: {
      double d = value.as_double();
      if (std::isfinite(d)) {
        append_double(out, d, profile);
      } else {
        out += "{\"$numberDouble\":\"";
        out += std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
        out += "\"}";
      }
      return;
    }
    case Kind::kString: append_string_literal(out, value.as_string()); return;
    case Kind::kArray: {
      out += '[';
      bool first = true;
      for (const Value& item : value.as_array()) {
        if (!first) out += ',';
        first = false;
        append_canonical(out, item, profile);
      }
      out += ']';
      return;
    }
    case Kind::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.as_object()) {
        if (!first) out += ',';
        first = false;
        append_string_literal(out, key);
        out += ':';
        append_canonical(out, item, profile);
      }
      out += '}';
      return;
    }
  }
}

std::string to_canonical(const Value& value, NumberProfile profile) {
  std::string out;
  append_canonical(out, value, profile);
  return out;
}

}  // namespace dbsync::json
