// Properties of parse / to_canonical over random Values (rapidcheck):
// canonical text reads back equal, is a fixed point, does not depend on
// member order or on how the input was spelled, and key order is UTF-16 order.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "json/canonical.h"
#include "json/diagnose.h"
#include "json/parse.h"
#include "json/value.h"

namespace dbsync::json {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Code points weighted towards the ones canonical JSON treats specially.
rc::Gen<uint32_t> gen_code_point() {
  return rc::gen::weightedOneOf<uint32_t>({
      {12, rc::gen::inRange<uint32_t>(0x20, 0x7F)},
      {2, rc::gen::inRange<uint32_t>(0, 0x20)},
      {3, rc::gen::element<uint32_t>('"', '\\', '/', 0x7F, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFF, 0xE000,
                                     0xD7FF, 0x10000, 0x10FFFF, 0x1F600, 0)},
      {2, rc::gen::inRange<uint32_t>(0x80, 0x800)},
      {2, rc::gen::map(rc::gen::inRange<uint32_t>(0x800, 0x10000 - 0x800),
                       [](uint32_t c) { return c >= 0xD800 ? c + 0x800 : c; })},  // skips surrogates
      {2, rc::gen::inRange<uint32_t>(0x10000, 0x110000)},
  });
}

rc::Gen<std::string> gen_string() {
  return rc::gen::map(rc::gen::container<std::vector<uint32_t>>(gen_code_point()),
                      [](const std::vector<uint32_t>& cps) {
                        std::string s;
                        for (uint32_t cp : cps) append_utf8(s, cp);
                        return s;
                      });
}

rc::Gen<double> gen_double(bool finite_only) {
  auto finite = rc::gen::weightedOneOf<double>({
      {4, rc::gen::map(rc::gen::arbitrary<uint64_t>(),
                       [](uint64_t bits) {
                         double d = std::bit_cast<double>(bits);
                         return std::isfinite(d) ? d : 0.5;
                       })},
      {2, rc::gen::map(rc::gen::inRange<int>(-1000000, 1000000), [](int i) { return i / 100.0; })},
      {1,
       rc::gen::element(0.0, -0.0, 1.0, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 123456789012345680000.0)},
  });
  if (finite_only) return finite;
  return rc::gen::weightedOneOf<double>({
      {8, finite},
      {1, rc::gen::element(std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity())},
  });
}

rc::Gen<Value> gen_value(int depth, bool finite_only) {
  std::vector<std::pair<std::size_t, rc::Gen<Value>>> choices;
  auto scalars =
      rc::gen::oneOf(rc::gen::just(Value(nullptr)),
                     rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Value(b); }),
                     rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t i) { return Value(i); }),
                     rc::gen::map(rc::gen::element<int64_t>(INT64_MIN, INT64_MAX, 0, -1, 9007199254740993),
                                  [](int64_t i) { return Value(i); }),
                     rc::gen::map(gen_double(finite_only), [](double d) { return Value(d); }),
                     rc::gen::map(gen_string(), [](std::string s) { return Value(std::move(s)); }));
  if (depth <= 0) return scalars;
  auto child = rc::gen::lazy([=] { return gen_value(depth - 1, finite_only); });
  auto array = rc::gen::map(rc::gen::scale(0.3, rc::gen::container<std::vector<Value>>(child)),
                            [](std::vector<Value> items) { return Value(Array(std::move(items))); });
  auto object = rc::gen::map(
      rc::gen::scale(0.3, rc::gen::container<std::vector<std::pair<std::string, Value>>>(
                              rc::gen::pair(gen_string(), child))),
      [](std::vector<std::pair<std::string, Value>> members) { return make_object(std::move(members)); });
  return rc::gen::weightedOneOf<Value>({{3, scalars}, {1, array}, {1, object}});
}

// Writes `v` as valid but non-canonical JSON: random white space, member
// order, string escapes and number spellings.
class NoisyWriter {
 public:
  explicit NoisyWriter(uint32_t seed) : rng_(seed) {}

  std::string write(const Value& v) {
    std::string out;
    ws(out);
    value(out, v);
    ws(out);
    return out;
  }

 private:
  bool coin() { return rng_() & 1; }
  void ws(std::string& out) {
    static constexpr char kWs[] = {' ', '\t', '\n', '\r'};
    while (rng_() % 4 == 0) out += kWs[rng_() % 4];
  }
  void hex4(std::string& out, uint32_t unit) {
    const char* digits = coin() ? "0123456789abcdef" : "0123456789ABCDEF";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += digits[(unit >> shift) & 15];
  }
  void string(std::string& out, const std::string& s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
      auto b = static_cast<uint8_t>(s[i]);
      size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      uint32_t cp = len == 1 ? b : b & (0x7F >> len);
      for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<uint8_t>(s[i + k]) & 0x3F);
      bool must = cp < 0x20 || cp == '"' || cp == '\\';
      if (must || rng_() % 3 == 0) {
        if (cp == '"' && coin()) {
          out += "\\\"";
        } else if (cp == '\\' && coin()) {
          out += "\\\\";
        } else if (cp == '/' && coin()) {
          out += "\\/";
        } else if (cp == '\n' && coin()) {
          out += "\\n";
        } else if (cp >= 0x10000) {
          hex4(out, 0xD800 + ((cp - 0x10000) >> 10));
          hex4(out, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
          hex4(out, cp);
        }
      } else {
        out.append(s, i, len);
      }
      i += len;
    }
    out += '"';
  }
  void number(std::string& out, double d) {
    char buf[64];
    std::to_chars_result r;
    switch (rng_() % 3) {
      case 0: r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific, 17); break;
      case 1: r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::general, 17); break;
      default: r = std::to_chars(buf, buf + sizeof buf, d); break;
    }
    std::string text(buf, r.ptr);
    if (text.find_first_of(".eE") == std::string::npos) text += coin() ? ".0" : "e0";
    if (coin()) std::replace(text.begin(), text.end(), 'e', 'E');
    out += text;
  }
  void value(std::string& out, const Value& v) {
    switch (v.kind()) {
      case Kind::kNull: out += "null"; return;
      case Kind::kBool: out += v.as_bool() ? "true" : "false"; return;
      case Kind::kInt: out += std::to_string(v.as_int()); return;
      case Kind::kDouble: number(out, v.as_double()); return;
      case Kind::kString: string(out, v.as_string()); return;
      case Kind::kArray: {
        out += '[';
        bool first = true;
        for (const Value& item : v.as_array()) {
          if (!first) out += ',';
          first = false;
          ws(out);
          value(out, item);
          ws(out);
        }
        out += ']';
        return;
      }
      case Kind::kObject: {
        std::vector<const Member*> members;
        for (const Member& m : v.as_object()) members.push_back(&m);
        std::shuffle(members.begin(), members.end(), rng_);
        out += '{';
        bool first = true;
        for (const Member* m : members) {
          if (!first) out += ',';
          first = false;
          ws(out);
          string(out, m->first);
          ws(out);
          out += ':';
          ws(out);
          value(out, m->second);
          ws(out);
        }
        out += '}';
        return;
      }
    }
  }
  std::mt19937 rng_;
};

ParseLimits deep_enough() { return ParseLimits{.max_depth = 128, .max_bytes = size_t{64} << 20}; }

RC_GTEST_PROP(JsonProperty, CanonicalTextParsesBackToAnEqualValue, ()) {
  Value v = *gen_value(4, /*finite_only=*/true);
  std::string c = to_canonical(v);
  auto back = parse(c, deep_enough());
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == v);
  RC_ASSERT(!diagnose(c, deep_enough()).has_value());
}

RC_GTEST_PROP(JsonProperty, CanonicalTextIsAFixedPoint, ()) {
  // Including NaN and infinities, which come back as {"$numberDouble":…}.
  Value v = *gen_value(4, /*finite_only=*/false);
  std::string c = to_canonical(v);
  auto back = parse(c, deep_enough());
  RC_ASSERT(back.has_value());
  RC_ASSERT(to_canonical(*back) == c);
}

RC_GTEST_PROP(JsonProperty, AnySpellingOfAValueHasTheSameCanonicalText, (uint32_t seed)) {
  Value v = *gen_value(4, /*finite_only=*/true);
  std::string noisy = NoisyWriter(seed).write(v);
  auto back = parse(noisy, deep_enough());
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == v);
  RC_ASSERT(to_canonical(*back) == to_canonical(v));
}

RC_GTEST_PROP(JsonProperty, MemberOrderOfConstructionDoesNotMatter, (uint32_t seed)) {
  auto members = *rc::gen::container<std::vector<std::pair<std::string, Value>>>(
      rc::gen::pair(gen_string(), gen_value(1, true)));
  // Unique keys, so that "later duplicate wins" plays no part.
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  members.erase(std::unique(members.begin(), members.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                members.end());
  auto shuffled = members;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(seed));
  RC_ASSERT(to_canonical(make_object(members)) == to_canonical(make_object(shuffled)));
}

std::u16string utf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? b : b & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<uint8_t>(s[i + k]) & 0x3F);
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
    i += len;
  }
  return out;
}

int sign(int x) { return (x > 0) - (x < 0); }

// Short strings over the code points where UTF-8 byte order and UTF-16
// order disagree (and their neighbours), to hit that case often.
rc::Gen<std::string> gen_tricky_key() {
  return rc::gen::map(rc::gen::container<std::vector<uint32_t>>(rc::gen::element<uint32_t>(
                          'a', 0x7F, 0x800, 0xD7FF, 0xE000, 0xFB33, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF)),
                      [](const std::vector<uint32_t>& cps) {
                        std::string s;
                        for (uint32_t cp : cps) append_utf8(s, cp);
                        return s;
                      });
}

RC_GTEST_PROP(JsonProperty, KeyCompareIsUtf16CodeUnitOrder, ()) {
  auto gen_string = [] { return rc::gen::oneOf(::dbsync::json::gen_string(), gen_tricky_key()); };
  std::string a = *gen_string();
  // Often share a prefix, so that the first difference is deep inside.
  std::string b =
      *rc::gen::oneOf(gen_string(), rc::gen::map(gen_string(), [a](std::string t) { return a + t; }),
                      rc::gen::map(gen_string(), [a](std::string t) {
                        size_t half = a.size() / 2;  // back to a character boundary
                        while (half > 0 && (static_cast<uint8_t>(a[half]) & 0xC0) == 0x80) --half;
                        return a.substr(0, half) + t;
                      }));
  int expected = sign(utf16(a).compare(utf16(b)));
  RC_ASSERT(sign(jcs_key_compare(a, b)) == expected);
  RC_ASSERT(sign(jcs_key_compare(b, a)) == -expected);
}

RC_GTEST_PROP(JsonProperty, DoublesRoundTripAndAlwaysShowDotOrExponent, (uint64_t bits)) {
  double d = std::bit_cast<double>(bits);
  RC_PRE(std::isfinite(d));
  std::string out;
  append_double(out, d, NumberProfile::kDbsync);
  RC_ASSERT(out.find_first_of(".e") != std::string::npos);
  auto back = parse(out);
  RC_ASSERT(back.has_value());
  RC_ASSERT(back->is_double());
  RC_ASSERT(std::bit_cast<uint64_t>(back->as_double()) == bits);
}

}  // namespace
}  // namespace dbsync::json
