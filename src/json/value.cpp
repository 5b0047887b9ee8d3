#include "json/value.h"

#include <algorithm>
#include <cstring>

namespace dbsync::json {
namespace {

// Decodes the code point starting at s[i]. REQUIRES: valid UTF-8.
uint32_t decode_at(std::string_view s, size_t i) {
  auto b = static_cast<uint8_t>(s[i]);
  auto cont = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i + k]) & 0x3F); };
  if (b < 0x80) return b;
  if (b < 0xE0) return (b & 0x1Fu) << 6 | cont(1);
  if (b < 0xF0) return (b & 0x0Fu) << 12 | cont(1) << 6 | cont(2);
  return (b & 0x07u) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3);
}

// First UTF-16 code unit of a code point; enough to order two different code
// points, since a shared first unit means both are >= U+10000 and then code
// point order equals UTF-16 order.
uint32_t utf16_order(uint32_t cp) {
  if (cp < 0x10000) return cp << 10;
  return (0xD800u + ((cp - 0x10000u) >> 10)) << 10 | ((cp - 0x10000u) & 0x3FFu);
}

}  // namespace

int jcs_key_compare(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  auto ua = static_cast<uint8_t>(a[i]), ub = static_cast<uint8_t>(b[i]);
  // Byte order equals code point order; it differs from UTF-16 order only
  // when a supplementary character (lead byte F0-F4) meets U+E000-U+FFFF
  // (lead byte EE or EF).
  if (ua < 0xEE && ub < 0xEE) return ua < ub ? -1 : 1;
  while (i > 0 && (static_cast<uint8_t>(a[i]) & 0xC0) == 0x80) --i;
  uint32_t ca = utf16_order(decode_at(a, i)), cb = utf16_order(decode_at(b, i));
  return ca < cb ? -1 : (ca > cb ? 1 : 0);
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Object& o = as_object();
  auto it = std::lower_bound(o.begin(), o.end(), key, [](const Member& m, std::string_view k) {
    return jcs_key_compare(m.first, k) < 0;
  });
  if (it != o.end() && it->first == key) return &it->second;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

void Value::set(std::string key, Value value) {
  Object& o = as_object();
  auto it = std::lower_bound(o.begin(), o.end(), key, [](const Member& m, const std::string& k) {
    return jcs_key_compare(m.first, k) < 0;
  });
  if (it != o.end() && it->first == key) {
    it->second = std::move(value);
  } else {
    o.emplace(it, std::move(key), std::move(value));
  }
}

bool Value::erase(std::string_view key) {
  Object& o = as_object();
  auto it = std::lower_bound(o.begin(), o.end(), key, [](const Member& m, std::string_view k) {
    return jcs_key_compare(m.first, k) < 0;
  });
  if (it == o.end() || it->first != key) return false;
  o.erase(it);
  return true;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kNull: return true;
    case Kind::kBool: return a.as_bool() == b.as_bool();
    case Kind::kInt: return a.as_int() == b.as_int();
    case Kind::kDouble: {
      double x = a.as_double(), y = b.as_double();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case Kind::kString: return a.as_string() == b.as_string();
    case Kind::kArray: return a.as_array() == b.as_array();
    case Kind::kObject: return a.as_object() == b.as_object();
  }
  return false;
}

Value make_object(std::vector<Member> members) {
  std::stable_sort(members.begin(), members.end(),
                   [](const Member& x, const Member& y) { return jcs_key_compare(x.first, y.first) < 0; });
  Object out;
  out.reserve(members.size());
  for (auto& m : members) {
    if (!out.empty() && out.back().first == m.first) {
      out.back().second = std::move(m.second);
    } else {
      out.push_back(std::move(m));
    }
  }
  return Value(std::move(out));
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kInt: return "integer";
    case Kind::kDouble: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "?";
}

}  // namespace dbsync::json
