// The BSON corpus (shared/testdata/bson-corpus, README there) against the
// MongoDB store's BSON <-> Extended JSON conversion (store/mongo/bson_json.h):
// valid round trips in canonical and relaxed Extended JSON v2 and in the
// dbsync snapshot form, decode errors, parse errors. Cases that are skipped
// are listed in kSkipped with the reason (and in docs/stores/mongodb.md).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "json/canonical.h"
#include "json/parse.h"
#include "store/mongo/bson_json.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(DBSYNC_SHARED_TESTDATA) / "bson-corpus";

struct Skip {
  const char* file;
  const char* description;
  const char* reason;
};

// Cases this store does not check, and why: none. Deprecated types
// (DBPointer, symbol, undefined) are kept as themselves, so their cases run
// like the others (converted_bson / converted_extjson are not used).
const std::vector<Skip> kSkipped = {};

// Valid cases whose BSON -> JSON directions are checked, but whose JSON ->
// BSON direction libbson 1.23 gets wrong: its reader cuts a $code string at
// an embedded NUL. The store refuses such documents (export and import, with
// kBadInput) instead of losing the rest of the code; the test checks that.
const Skip kRefused[] = {
    {"code.json", "Embedded nulls", "libbson 1.23 truncates $code at NUL"},
    {"code_w_scope.json", "Unicode and embedded null in code string, empty scope",
     "libbson 1.23 truncates $code at NUL"},
};

bool refused(const std::string& file, const std::string& description) {
  for (const Skip& s : kRefused) {
    if (file == s.file && description == s.description) return true;
  }
  return false;
}

const char* skip_reason(const std::string& file, const std::string& description) {
  for (const Skip& s : kSkipped) {
    if (file == s.file && description == s.description) return s.reason;
  }
  return nullptr;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<uint8_t> unhex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<uint8_t> bytes_of(const bson_t& b) {
  const uint8_t* d = bson_get_data(&b);
  return std::vector<uint8_t>(d, d + b.len);
}

double parse_double_text(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return INFINITY;
  if (s == "-Infinity") return -INFINITY;
  return std::strtod(s.c_str(), nullptr);
}

// Equality of two Extended JSON values after normalising (members sorted by
// json::Value): $numberDouble strings compare as the doubles they denote,
// since the specification does not fix their digits ("1.2345678921232E+18"
// and "1.2345678921232e+18" are the same double). Relaxed doubles that are
// integral may be written without ".0" in the corpus; they compare as
// numbers too.
bool same(const json::Value& a, const json::Value& b) {
  if (a.is_object() && b.is_object()) {
    const json::Value* da = a.find("$numberDouble");
    const json::Value* db = b.find("$numberDouble");
    if (da && db && a.as_object().size() == 1 && b.as_object().size() == 1 && da->is_string() &&
        db->is_string()) {
      double x = parse_double_text(da->as_string()), y = parse_double_text(db->as_string());
      return (std::isnan(x) && std::isnan(y)) || (x == y && std::signbit(x) == std::signbit(y));
    }
    if (a.as_object().size() != b.as_object().size()) return false;
    for (size_t i = 0; i < a.as_object().size(); ++i) {
      if (a.as_object()[i].first != b.as_object()[i].first) return false;
      if (!same(a.as_object()[i].second, b.as_object()[i].second)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.as_array().size() != b.as_array().size()) return false;
    for (size_t i = 0; i < a.as_array().size(); ++i) {
      if (!same(a.as_array()[i], b.as_array()[i])) return false;
    }
    return true;
  }
  if (a.is_double() && b.is_double()) return a == b;
  return a == b;
}

json::Value parse_json(const std::string& text) {
  json::ParseLimits limits;
  limits.max_depth = 300;
  auto v = json::parse(text, limits);
  EXPECT_TRUE(v.has_value()) << text << ": " << (v ? "" : v.error().message);
  return v ? *v : json::Value();
}

std::string show(const Result<json::Value>& v) {
  return v ? json::to_canonical(*v) : "error: " + v.error().message;
}

struct Counts {
  int valid = 0, decode = 0, parse = 0, skipped = 0;
};

class BsonCorpus : public ::testing::TestWithParam<std::string> {};

void check_valid(const std::string& file, const json::Value& c) {
  const std::string desc = c.find("description")->as_string();
  SCOPED_TRACE(file + ": " + desc);
  auto cb_bytes = unhex(c.find("canonical_bson")->as_string());
  const std::string cej = c.find("canonical_extjson")->as_string();
  const json::Value* rej = c.find("relaxed_extjson");
  bool lossy = c.find("lossy") && c.find("lossy")->as_bool();
  json::Value cej_v = parse_json(cej);

  auto cb = bson_from_bytes(cb_bytes.data(), cb_bytes.size());
  ASSERT_TRUE(cb.has_value()) << cb.error().message;
  auto canon = bson_to_value(**cb, ExtJsonMode::kCanonical);
  EXPECT_TRUE(canon && same(*canon, cej_v)) << "canonical: " << show(canon) << " expected " << cej;
  if (rej) {
    auto relaxed = bson_to_value(**cb, ExtJsonMode::kRelaxed);
    EXPECT_TRUE(relaxed && same(*relaxed, parse_json(rej->as_string())))
        << "relaxed: " << show(relaxed) << " expected " << rej->as_string();
    auto back = bson_from_extjson(rej->as_string());
    ASSERT_TRUE(back.has_value()) << back.error().message;
    auto again = bson_to_value(**back, ExtJsonMode::kRelaxed);
    EXPECT_TRUE(again && same(*again, parse_json(rej->as_string()))) << "relaxed round trip: " << show(again);
  }
  if (refused(file, desc)) {
    auto text = bson_to_canonical(**cb);
    ASSERT_FALSE(text.has_value()) << *text;
    EXPECT_EQ(text.error().code, ErrorCode::kBadInput);
    EXPECT_NE(text.error().message.find("NUL"), std::string::npos) << text.error().message;
    EXPECT_FALSE(bson_from_extjson(cej).has_value());
    return;
  }
  if (!lossy) {
    auto parsed = bson_from_extjson(cej);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(bytes_of(**parsed), cb_bytes) << "json_to_bson(canonical_extjson)";
  }
  if (const json::Value* db = c.find("degenerate_bson")) {
    auto bytes = unhex(db->as_string());
    auto d = bson_from_bytes(bytes.data(), bytes.size());
    ASSERT_TRUE(d.has_value()) << d.error().message;
    auto v = bson_to_value(**d, ExtJsonMode::kCanonical);
    EXPECT_TRUE(v && same(*v, cej_v)) << "degenerate_bson: " << show(v);
    if (rej) {
      auto r = bson_to_value(**d, ExtJsonMode::kRelaxed);
      EXPECT_TRUE(r && same(*r, parse_json(rej->as_string()))) << "degenerate_bson relaxed: " << show(r);
    }
  }
  if (const json::Value* dej = c.find("degenerate_extjson"); dej && !lossy) {
    auto parsed = bson_from_extjson(dej->as_string());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(bytes_of(**parsed), cb_bytes) << "json_to_bson(degenerate_extjson)";
  }
  // The snapshot form: one text per value, reading back as the same value.
  auto text = bson_to_canonical(**cb);
  ASSERT_TRUE(text.has_value()) << text.error().message;
  auto stored = bson_from_extjson(*text);
  ASSERT_TRUE(stored.has_value()) << *text << ": " << stored.error().message;
  auto text2 = bson_to_canonical(**stored);
  ASSERT_TRUE(text2.has_value());
  EXPECT_EQ(*text2, *text) << "snapshot text is not a fixed point";
  auto orig = bson_to_value(**cb, ExtJsonMode::kCanonical);
  auto round = bson_to_value(**stored, ExtJsonMode::kCanonical);
  ASSERT_TRUE(orig && round);
  if (!lossy) {
    EXPECT_EQ(json::to_canonical(*round), json::to_canonical(*orig))
        << "snapshot form lost a type: " << *text;
  }
}

TEST_P(BsonCorpus, File) {
  const std::string file = GetParam();
  auto doc = parse_json(read(kCorpus / file));
  ASSERT_TRUE(doc.is_object());
  Counts n;
  if (const json::Value* valid = doc.find("valid")) {
    for (const auto& c : valid->as_array()) {
      if (const char* why = skip_reason(file, c.find("description")->as_string())) {
        ++n.skipped;
        std::cout << "[ SKIPPED  ] " << file << ": " << c.find("description")->as_string() << ": " << why
                  << "\n";
        continue;
      }
      check_valid(file, c);
      ++n.valid;
    }
  }
  if (const json::Value* errors = doc.find("decodeErrors")) {
    for (const auto& c : errors->as_array()) {
      const std::string desc = c.find("description")->as_string();
      if (const char* why = skip_reason(file, desc)) {
        ++n.skipped;
        std::cout << "[ SKIPPED  ] " << file << ": " << desc << ": " << why << "\n";
        continue;
      }
      auto bytes = unhex(c.find("bson")->as_string());
      auto b = bson_from_bytes(bytes.data(), bytes.size());
      bool rejected = !b.has_value();
      if (b) rejected = !bson_to_value(**b, ExtJsonMode::kDbsync).has_value();
      EXPECT_TRUE(rejected) << file << ": decode error accepted: " << desc;
      ++n.decode;
    }
  }
  const std::string type = doc.find("bson_type")->as_string();
  if (const json::Value* errors = doc.find("parseErrors")) {
    for (const auto& c : errors->as_array()) {
      const std::string desc = c.find("description")->as_string();
      const std::string s = c.find("string")->as_string();
      if (const char* why = skip_reason(file, desc)) {
        ++n.skipped;
        std::cout << "[ SKIPPED  ] " << file << ": " << desc << ": " << why << "\n";
        continue;
      }
      if (type == "0x13") {
        bson_decimal128_t dec;
        EXPECT_FALSE(bson_decimal128_from_string(s.c_str(), &dec))
            << file << ": parse error accepted: " << desc;
      } else {
        EXPECT_FALSE(bson_from_extjson(s).has_value())
            << file << ": parse error accepted: " << desc << ": " << s;
      }
      ++n.parse;
    }
  }
  std::cout << "[ CORPUS   ] " << file << ": " << n.valid << " valid, " << n.decode << " decode errors, "
            << n.parse << " parse errors checked, " << n.skipped << " skipped\n";
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& dir : {kCorpus, kCorpus / "mongoc-extra"}) {
    if (!fs::exists(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      out.push_back(fs::relative(e.path(), kCorpus).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BsonCorpus, ::testing::ValuesIn(corpus_files()), [](const auto& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
});

TEST(BsonCorpusFiles, AllThirtyFourFilesArePresent) { EXPECT_EQ(corpus_files().size(), 34u); }

}  // namespace
}  // namespace dbsync
