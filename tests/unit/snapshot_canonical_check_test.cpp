// The one-pass canonical check (snapshot/canonical_check.h) must accept
// exactly what the slow definition accepts: json::parse succeeds, the result
// is an object, and to_canonical() gives back the same bytes. Checked on
// random documents and on random damage to them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/canonical_check.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"

namespace dbsync {
namespace {

class RandomDocs {
 public:
  explicit RandomDocs(uint32_t seed) : rng_(seed) {}

  json::Value object(int depth) {
    std::vector<json::Member> members;
    size_t n = pick(6);
    for (size_t i = 0; i < n; ++i) members.emplace_back(string(true), value(depth + 1));
    return json::make_object(std::move(members));
  }

  json::Value value(int depth) {
    switch (pick(depth > 4 ? 5 : 7)) {
      case 0: return json::Value(nullptr);
      case 1: return json::Value(pick(2) == 0);
      case 2: return json::Value(integer());
      case 3: return json::Value(real());
      case 4: return json::Value(string(false));
      case 5: {
        json::Array a;
        size_t n = pick(4);
        for (size_t i = 0; i < n; ++i) a.push_back(value(depth + 1));
        return json::Value(std::move(a));
      }
      default: return object(depth);
    }
  }

  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  std::mt19937& rng() { return rng_; }

 private:
  int64_t integer() {
    static const int64_t kEdges[] = {0, 1, -1, 9, 10, 42, INT64_MAX, INT64_MIN, 1000000, -123456789012};
    if (pick(2) == 0) return kEdges[pick(std::size(kEdges))];
    return static_cast<int64_t>(rng_() >> pick(40));
  }

  double real() {
    static const double kEdges[] = {0.0,    -0.0,        1.0,   -1.0,    0.1,    0.5,
                                    1e21,   1e20,        1e-7,  1e-6,    5e-324, 1.7976931348623157e308,
                                    123.45, 0.812345678, 100.0, 2.5e-300};
    if (pick(2) == 0) return kEdges[pick(std::size(kEdges))];
    for (;;) {
      uint64_t bits = (static_cast<uint64_t>(rng_()) << 32) | rng_();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      if (std::isfinite(d)) return d;
    }
  }

  std::string string(bool key) {
    static const char* kPieces[] = {"a",
                                    "b",
                                    "id",
                                    "x",
                                    "\"",
                                    "\\",
                                    "\n",
                                    "\t",
                                    "\x01",
                                    "\x1f",
                                    "/",
                                    "\x7f",
                                    " ",
                                    "caf\xc3\xa9",
                                    "\xe2\x82\xac",
                                    "\xf0\x9f\x9a\x80",
                                    "\xef\xbc\xa1",
                                    "\xed\x9f\xbf",
                                    "$oid",
                                    "0"};
    std::string out;
    size_t n = key ? 1 + pick(2) : pick(5);
    for (size_t i = 0; i < n; ++i) out += kPieces[pick(std::size(kPieces))];
    return out;
  }

  std::mt19937 rng_;
};

bool reference_accepts(std::string_view text) {
  json::ParseLimits limits;
  limits.max_depth = kMaxNestingDepth;
  limits.max_bytes = kMaxLineBytes;
  auto v = json::parse(text, limits);
  return v && v->is_object() && json::to_canonical(*v) == text;
}

bool fast_accepts(std::string_view text) {
  return check_canonical_document(text, kMaxNestingDepth, 0, nullptr).has_value();
}

std::string mutate(std::string text, RandomDocs& r) {
  static const char kBytes[] = {' ', '"',  '\\',   ',',    '0',    '1',    '.',    'e', 'E',
                                '-', '+',  '{',    '}',    '[',    ']',    ':',    'u', 'n',
                                'A', '\n', '\x01', '\x7f', '\xff', '\xc3', '\x80', '/'};
  size_t edits = 1 + r.pick(2);
  for (size_t e = 0; e < edits; ++e) {
    size_t at = text.empty() ? 0 : r.pick(text.size());
    switch (r.pick(5)) {
      case 0: text.insert(at, 1, kBytes[r.pick(sizeof kBytes)]); break;
      case 1:
        if (!text.empty()) text.erase(at, 1);
        break;
      case 2:
        if (!text.empty()) text[at] = kBytes[r.pick(sizeof kBytes)];
        break;
      case 3:
        if (at + 1 < text.size()) std::swap(text[at], text[at + 1]);
        break;
      default: {
        size_t len = r.pick(8);
        text.insert(at, text.substr(at, len));
      }
    }
  }
  return text;
}

TEST(CanonicalCheck, AcceptsEveryCanonicalDocument) {
  RandomDocs r(1);
  for (int i = 0; i < 3000; ++i) {
    std::string text = json::to_canonical(r.object(0));
    ASSERT_TRUE(reference_accepts(text)) << text;
    auto st = check_canonical_document(text, kMaxNestingDepth, 0, nullptr);
    ASSERT_TRUE(st.has_value()) << text << "\n" << st.error().message;
  }
}

TEST(CanonicalCheck, AgreesWithParseAndRewriteOnDamagedDocuments) {
  RandomDocs r(2);
  size_t rejected = 0, accepted = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string text = mutate(json::to_canonical(r.object(0)), r);
    bool want = reference_accepts(text);
    ASSERT_EQ(fast_accepts(text), want) << "text: " << text;
    (want ? accepted : rejected)++;
  }
  // The damage must exercise both outcomes to mean anything.
  EXPECT_GT(rejected, 20000u);
  EXPECT_GT(accepted, 1000u);
}

TEST(CanonicalCheck, AgreesOnNumberTexts) {
  // Numbers written every which way, alone in a member.
  RandomDocs r(3);
  const char* kForms[] = {"%.17g", "%.16g", "%.15g", "%g", "%e", "%.1f", "%.0f", "%a"};
  for (int i = 0; i < 20000; ++i) {
    double d;
    if (r.pick(3) == 0) {
      d = static_cast<double>(static_cast<int64_t>(r.rng()() % 2000) - 1000) / std::pow(10.0, r.pick(25));
    } else {
      uint64_t bits = (static_cast<uint64_t>(r.rng()()) << 32) | r.rng()();
      std::memcpy(&d, &bits, sizeof d);
      if (!std::isfinite(d)) continue;
    }
    char num[512];
    std::snprintf(num, sizeof num, kForms[r.pick(std::size(kForms))], d);
    std::string text = std::string("{\"n\":") + num + "}";
    ASSERT_EQ(fast_accepts(text), reference_accepts(text)) << text;
  }
}

TEST(CanonicalCheck, FastDoubleFormatEqualsTheWriter) {
  // The check formats doubles itself (Dragonbox); it must produce the
  // writer's bytes for every double, or valid lines would be rejected.
  std::mt19937_64 rng(5);
  auto writer = [](double d) {
    std::string s;
    json::append_double(s, d, json::NumberProfile::kDbsync);
    return s;
  };
  std::vector<double> cases = {1.0,
                               -1.0,
                               0.1,
                               1e21,
                               1e20,
                               999999999999999900000.0,
                               1e-7,
                               1e-6,
                               1.5e-7,
                               5e-324,
                               2.2250738585072014e-308,
                               1.7976931348623157e308,
                               123.45,
                               0.3,
                               9007199254740993.0,
                               4.35,
                               100.0,
                               1e100,
                               1.2345678901234567e-300};
  for (int e = -330; e <= 310; ++e) cases.push_back(std::pow(10.0, e));
  for (int i = 0; i < 200000; ++i) {
    double d;
    uint64_t bits = rng();
    if (i % 2 == 0) {
      std::memcpy(&d, &bits, sizeof d);
    } else {
      // Short decimals, the common case in data (prices, amounts).
      d = static_cast<double>(static_cast<int64_t>(bits % 20000001) - 10000000) / std::pow(10.0, bits % 12);
    }
    if (std::isfinite(d) && d != 0) cases.push_back(d);
  }
  for (double d : cases) {
    if (d == 0 || !std::isfinite(d)) continue;
    std::string want = writer(d);
    ASSERT_EQ(format_double_for_check(d), want) << want;
    ASSERT_TRUE(fast_accepts("{\"n\":" + want + "}")) << want;
  }
}

TEST(CanonicalCheck, MembersGiveTheSameKeyEncodingAsTheParsedDocument) {
  RandomDocs r(4);
  int compared = 0;
  for (int i = 0; i < 3000; ++i) {
    json::Value doc = r.object(0);
    if (doc.as_object().empty()) continue;
    // Key on one or two of the document's own members, in random order.
    std::vector<std::string> key_fields{doc.as_object()[r.pick(doc.as_object().size())].first};
    if (r.pick(2) == 0) key_fields.push_back(doc.as_object()[r.pick(doc.as_object().size())].first);
    std::string text = json::to_canonical(doc);
    std::vector<DocMember> members;
    ASSERT_TRUE(check_canonical_document(text, kMaxNestingDepth, 0, &members).has_value());
    ASSERT_EQ(members.size(), doc.as_object().size());
    std::string from_members;
    ASSERT_TRUE(key_encoding_from_members(from_members, members, key_fields).has_value());
    auto from_doc = key_encoding(doc, key_fields);
    ASSERT_TRUE(from_doc.has_value());
    EXPECT_EQ(from_members, *from_doc) << text;
    ++compared;
  }
  EXPECT_GT(compared, 2000);
}

TEST(CanonicalCheck, MissingKeyFieldIsNamed) {
  std::vector<DocMember> members;
  ASSERT_TRUE(check_canonical_document(R"({"a":1})", kMaxNestingDepth, 0, &members).has_value());
  std::string out;
  auto st = key_encoding_from_members(out, members, {"id"});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().message, "field 'id': key field is missing from the record");
}

TEST(CanonicalCheck, UnescapesNames) {
  EXPECT_EQ(unescape_canonical_string(R"(a\"b\\c\n\u0001)"), std::string("a\"b\\c\n\x01"));
  DocMember m{R"(x\ty)", "1", true};
  EXPECT_TRUE(m.has_name("x\ty"));
  EXPECT_FALSE(m.has_name(R"(x\ty)"));
}

}  // namespace
}  // namespace dbsync
