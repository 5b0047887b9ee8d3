// Conformance of json::parse / json::to_canonical against public test data:
// JSONTestSuite (parsing and transforms) and the RFC 8785 vectors. The
// decisions for implementation-defined cases are read from the tables in
// docs/JSON.md, so the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "json/canonical.h"
#include "json/diagnose.h"
#include "json/parse.h"

namespace dbsync::json {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(DBSYNC_SHARED_TESTDATA) / "JSONTestSuite";
const fs::path kJcs = fs::path(DBSYNC_SHARED_TESTDATA) / "json-canonicalization";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Files in `dir` whose names start with `prefix`, sorted.
std::vector<std::string> files_with_prefix(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.ends_with(".json")) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A gtest-safe, unique, readable name for a test file.
std::string test_name(const std::string& file) {
  std::string out;
  std::string stem = file.substr(0, file.size() - 5);
  for (char c : stem) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += c;
    } else if (c == '+') {
      out += "plus";
    } else if (c == '#') {
      out += "hash";
    } else {
      out += '_';
    }
  }
  return out;
}

std::string name_of(const testing::TestParamInfo<std::string>& info) { return test_name(info.param); }

// One row of a decision table in docs/JSON.md:
// | `file` | accept|reject | `canonical text or error fragment` | why |
struct Row {
  std::string decision;
  std::string expect;
};

std::string trim_cell(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
  return s;
}

const std::map<std::string, Row>& doc_table() {
  static const std::map<std::string, Row> table = [] {
    std::map<std::string, Row> rows;
    std::istringstream in(read_bytes(fs::path(DBSYNC_SOURCE_DIR) / "docs" / "JSON.md"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("| `", 0) != 0) continue;
      std::vector<std::string> cells;
      std::stringstream ss(line.substr(1));
      std::string cell;
      while (std::getline(ss, cell, '|')) cells.push_back(trim_cell(cell));
      if (cells.size() < 3 || !cells[0].ends_with(".json")) continue;
      rows[cells[0]] = Row{cells[1], cells[2]};
    }
    return rows;
  }();
  return table;
}

const Row* row_for(const std::string& file) {
  auto it = doc_table().find(file);
  return it == doc_table().end() ? nullptr : &it->second;
}

// Checks the shape every rejection must have.
void expect_located_error(const Result<Value>& r, const std::string& text, const std::string& file,
                          const ParseLimits& limits = {}) {
  ASSERT_FALSE(r.has_value()) << file << " was accepted as " << to_canonical(*r);
  EXPECT_EQ(r.error().code, ErrorCode::kBadInput) << file;
  std::smatch m;
  const std::string& msg = r.error().message;
  ASSERT_TRUE(std::regex_search(msg, m, std::regex("^at byte ([0-9]+): .+"))) << file << ": " << msg;
  EXPECT_LE(std::stoull(m[1].str()), text.size()) << file << ": " << msg;
  // The second reader must name the same fault.
  auto d = diagnose(text, limits);
  ASSERT_TRUE(d.has_value()) << file << ": diagnose() accepts what parse() rejects: " << msg;
  EXPECT_EQ(msg, "at byte " + std::to_string(d->offset) + ": " + d->what) << file;
}

void expect_round_trip(const Value& v, const std::string& file) {
  std::string canonical = to_canonical(v);
  auto again = parse(canonical);
  ASSERT_TRUE(again.has_value()) << file << ": canonical text " << canonical
                                 << " does not parse: " << again.error().message;
  EXPECT_EQ(*again, v) << file << ": " << canonical;
  EXPECT_EQ(to_canonical(*again), canonical) << file;
  EXPECT_FALSE(diagnose(canonical).has_value()) << file;
}

// ---- test_parsing/y_*: must be accepted (two documented exceptions). ----

class JsonTestSuiteY : public testing::TestWithParam<std::string> {};

TEST_P(JsonTestSuiteY, AcceptedAndRoundTrips) {
  const std::string& file = GetParam();
  std::string text = read_bytes(kSuite / "test_parsing" / file);
  auto r = parse(text);
  if (const Row* row = row_for(file)) {
    // A documented exception (duplicate keys).
    ASSERT_EQ(row->decision, "reject") << file;
    expect_located_error(r, text, file);
    EXPECT_NE(r.error().message.find(row->expect), std::string::npos) << r.error().message;
    return;
  }
  ASSERT_TRUE(r.has_value()) << file << ": " << r.error().message;
  EXPECT_FALSE(diagnose(text).has_value()) << file << ": diagnose() rejects what parse() accepts";
  expect_round_trip(*r, file);
}

INSTANTIATE_TEST_SUITE_P(Json, JsonTestSuiteY,
                         testing::ValuesIn(files_with_prefix(kSuite / "test_parsing", "y_")), name_of);

// ---- test_parsing/n_*: must be rejected with a located message. ----

class JsonTestSuiteN : public testing::TestWithParam<std::string> {};

TEST_P(JsonTestSuiteN, RejectedWithByteOffset) {
  const std::string& file = GetParam();
  std::string text = read_bytes(kSuite / "test_parsing" / file);
  expect_located_error(parse(text), text, file);
  // Also under the snapshot record limits.
  ParseLimits record_limits{100, size_t{32} << 20};
  expect_located_error(parse(text, record_limits), text, file, record_limits);
}

INSTANTIATE_TEST_SUITE_P(Json, JsonTestSuiteN,
                         testing::ValuesIn(files_with_prefix(kSuite / "test_parsing", "n_")), name_of);

// ---- test_parsing/i_*: decided as docs/JSON.md says. ----

class JsonTestSuiteI : public testing::TestWithParam<std::string> {};

TEST_P(JsonTestSuiteI, DecidedAsDocumented) {
  const std::string& file = GetParam();
  std::string text = read_bytes(kSuite / "test_parsing" / file);
  const Row* row = row_for(file);
  ASSERT_NE(row, nullptr) << file << " has no row in the i_ table of docs/JSON.md";
  auto r = parse(text);
  if (row->decision == "accept") {
    ASSERT_TRUE(r.has_value()) << file << ": " << r.error().message;
    EXPECT_FALSE(diagnose(text).has_value()) << file;
    expect_round_trip(*r, file);
  } else {
    ASSERT_EQ(row->decision, "reject") << file;
    expect_located_error(r, text, file);
    EXPECT_NE(r.error().message.find(row->expect), std::string::npos)
        << file << ": expected the error to say '" << row->expect << "', got: " << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(Json, JsonTestSuiteI,
                         testing::ValuesIn(files_with_prefix(kSuite / "test_parsing", "i_")), name_of);

// ---- test_transform/*: rejected clearly, or accepted with the documented
// canonical text that then round-trips losslessly. ----

class JsonTestSuiteTransform : public testing::TestWithParam<std::string> {};

TEST_P(JsonTestSuiteTransform, DecidedAsDocumented) {
  const std::string& file = GetParam();
  std::string text = read_bytes(kSuite / "test_transform" / file);
  const Row* row = row_for(file);
  ASSERT_NE(row, nullptr) << file << " has no row in the transform table of docs/JSON.md";
  auto r = parse(text);
  if (row->decision == "accept") {
    ASSERT_TRUE(r.has_value()) << file << ": " << r.error().message;
    EXPECT_EQ(to_canonical(*r), row->expect) << file;
    expect_round_trip(*r, file);
  } else {
    ASSERT_EQ(row->decision, "reject") << file;
    expect_located_error(r, text, file);
    EXPECT_NE(r.error().message.find(row->expect), std::string::npos)
        << file << ": expected the error to say '" << row->expect << "', got: " << r.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(Json, JsonTestSuiteTransform,
                         testing::ValuesIn(files_with_prefix(kSuite / "test_transform", "")), name_of);

TEST(JsonTestSuiteData, AllFilesPresentAndEveryTableRowNamesOne) {
  // Guards against an empty or moved data folder passing vacuously.
  EXPECT_EQ(files_with_prefix(kSuite / "test_parsing", "y_").size(), 95u);
  EXPECT_EQ(files_with_prefix(kSuite / "test_parsing", "n_").size(), 188u);
  EXPECT_EQ(files_with_prefix(kSuite / "test_parsing", "i_").size(), 35u);
  EXPECT_EQ(files_with_prefix(kSuite / "test_transform", "").size(), 22u);
  ASSERT_FALSE(doc_table().empty());
  for (const auto& [file, row] : doc_table()) {
    fs::path dir = kSuite / (fs::exists(kSuite / "test_parsing" / file) ? "test_parsing" : "test_transform");
    EXPECT_TRUE(fs::exists(dir / file)) << "docs/JSON.md names a file that does not exist: " << file;
    EXPECT_TRUE(row.decision == "accept" || row.decision == "reject") << file << ": " << row.decision;
    EXPECT_FALSE(row.expect.empty()) << file;
    EXPECT_NE(file.rfind("n_", 0), 0u) << "n_ files are all rejected; no row needed: " << file;
  }
  std::set<std::string> names;
  for (const char* prefix : {"y_", "n_", "i_"}) {
    for (const auto& f : files_with_prefix(kSuite / "test_parsing", prefix)) {
      EXPECT_TRUE(names.insert(test_name(f)).second) << "test name collision: " << f;
    }
  }
}

// ---- RFC 8785 vectors. ----

std::string from_hex(const std::string& hex) {
  std::string out;
  std::istringstream in(hex);
  std::string byte;
  while (in >> byte) out += static_cast<char>(std::stoi(byte, nullptr, 16));
  return out;
}

class JsonRfc8785 : public testing::TestWithParam<std::string> {};

TEST_P(JsonRfc8785, JcsProfileReproducesTheVectorByteForByte) {
  const std::string& name = GetParam();
  std::string input = read_bytes(kJcs / "input" / (name + ".json"));
  std::string expected = read_bytes(kJcs / "output" / (name + ".json"));
  ASSERT_FALSE(expected.empty()) << name;
  ASSERT_EQ(expected, from_hex(read_bytes(kJcs / "outhex" / (name + ".txt")))) << "output and outhex differ";
  auto v = parse(input);
  ASSERT_TRUE(v.has_value()) << name << ": " << v.error().message;
  EXPECT_EQ(to_canonical(*v, NumberProfile::kJcs), expected) << name;
  // Canonical input is its own canonical form.
  auto again = parse(expected);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(to_canonical(*again, NumberProfile::kJcs), expected);
}

TEST_P(JsonRfc8785, DbsyncProfileDiffersOnlyWhereDocumented) {
  const std::string& name = GetParam();
  std::string input = read_bytes(kJcs / "input" / (name + ".json"));
  std::string expected = read_bytes(kJcs / "output" / (name + ".json"));
  auto v = parse(input);
  ASSERT_TRUE(v.has_value()) << name << ": " << v.error().message;
  if (name == "structures") {
    // The one documented deviation: the double 56.0 keeps its ".0".
    std::string jcs_part = "\"\\n\":56,";
    size_t at = expected.find(jcs_part);
    ASSERT_NE(at, std::string::npos) << expected;
    expected.replace(at, jcs_part.size(), "\"\\n\":56.0,");
  }
  EXPECT_EQ(to_canonical(*v), expected) << name;
}

INSTANTIATE_TEST_SUITE_P(Json, JsonRfc8785,
                         testing::Values("arrays", "french", "structures", "unicode", "values", "weird"),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace dbsync::json
