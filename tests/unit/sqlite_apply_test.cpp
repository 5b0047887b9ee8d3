// The SQLite store's fast write path (store/sqlite/sqlite_txn.cpp apply):
// documents given as canonical text, bound straight from the text and
// inserted many rows per statement, must leave the same rows as documents
// given as values, written one statement per row; and a row SQLite refuses
// is still named.
#include <gtest/gtest.h>

#include "json/parse.h"
#include "store/registry.h"
#include "unit/sync_test_util.h"

namespace dbsync {
namespace {

class SqliteApplyTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    auto s = open_store("sqlite:db.sqlite", dir_.path());
    EXPECT_TRUE(s.has_value());
    return std::move(*s);
  }
  std::map<std::string, std::string> scan(const std::string& table) {
    std::map<std::string, std::string> out;
    auto store = open();
    auto txn = store->begin(TxnMode::kRead);
    auto catalog = (*txn)->catalog(Config{});
    const CollectionInfo* info = catalog->find(table);
    EXPECT_NE(info, nullptr) << table;
    if (!info) return out;
    auto st = (*txn)->scan(*info, [&](std::string_view k, std::string_view d) -> Status {
      out[std::string(k)] = std::string(d);
      return {};
    });
    EXPECT_TRUE(st.has_value()) << st.error().message;
    return out;
  }
  std::string sql(const std::string& s) { return testing::sql(dir_.path() / "db.sqlite", s); }
  static Change text_insert(const std::string& key, std::string_view doc) {
    Change c;
    c.op = Change::Op::kInsert;
    c.key.encoding = key;
    c.doc_text = doc;
    return c;
  }

  TempDir dir_;
};

TEST_F(SqliteApplyTest, ManyRowsByTextWriteWhatRowsByValueWrite) {
  const char* schema =
      " (k INTEGER PRIMARY KEY, r REAL, i INTEGER, s TEXT, b BLOB, n NUMERIC, x, g AS (i * 2));";
  sql(std::string("CREATE TABLE a") + schema + "CREATE TABLE b" + schema);
  // Each kind of value the plain path takes, declines (escapes, nested
  // values, wrappers, a generated column's member, a field the table
  // lacks) or leaves out, among plain rows, across several statements.
  const char* kinds[] = {
      R"({"b":null,"g":4,"i":2,"k":@,"n":1.5,"r":-598.63,"s":"trader_1","x":null})",
      R"({"i":9223372036854775807,"k":@,"r":1.0,"s":"plain text, with: punctuation {} []"})",
      R"({"i":-9223372036854775808,"k":@,"n":7,"r":0.30000000000000004,"s":""})",
      R"({"i":0,"k":@,"r":1e+308,"s":"a\u0000b \"q\" \\ é","x":true})",
      R"({"b":{"$binary":{"base64":"AP8=","subType":"00"}},"k":@,"r":-0.0,"x":false})",
      R"({"k":@,"r":0.0,"x":{"nested":[1,2.5,"three"]}})",
      R"({"k":@,"r":5e-324,"s":"tab\tnewline\n","x":[]})",
      R"({"i":{"$numberLong":"42"},"k":@,"r":{"$numberDouble":"-Infinity"},"x":{"$numberDouble":"NaN"}})",
      R"({"k":@})",
      R"({"k":@,"r":123456789.125,"s":"日本語 ✓"})",
      R"({"i":-17,"k":@,"n":-0.001,"r":1.5e-7,"s":"x","x":"y"})",
  };
  std::vector<std::string> docs;
  for (int k = 1; k <= 300; ++k) {
    // Plain rows, so that whole statements go the fast way, around rows of
    // every kind, and one new field late.
    bool mixed = k > 100 && k < 180;
    std::string d = mixed ? kinds[k % std::size(kinds)] : kinds[k % 3 == 0 ? 9 : 0];
    if (k == 250) d = R"({"k":@,"new_field":"added by the snapshot","r":2.0})";
    d.replace(d.find('@'), 1, std::to_string(k));
    docs.push_back(d);
  }
  auto store = open();
  auto txn = store->begin(TxnMode::kWrite);
  ASSERT_TRUE(txn.has_value());
  auto catalog = (*txn)->catalog(Config{});
  ASSERT_TRUE(catalog.has_value());
  std::vector<json::Value> values;
  for (const auto& d : docs) values.push_back(*json::parse(d));
  std::vector<Change> parsed, text;
  for (size_t i = 0; i < docs.size(); ++i) {
    std::string key = "[" + std::to_string(i + 1) + "]";
    parsed.push_back({Change::Op::kInsert, *parse_key(key, 1), &values[i]});
    text.push_back(text_insert(key, docs[i]));
  }
  for (const Change& c : parsed) ASSERT_TRUE((*txn)->apply(*catalog->find("a"), {c}).has_value());
  auto st = (*txn)->apply(*catalog->find("b"), text);
  ASSERT_TRUE(st.has_value()) << st.error().message;
  ASSERT_TRUE((*txn)->commit().has_value());
  txn->reset();
  std::string cols =
      "k, quote(r), typeof(r), quote(i), typeof(i), quote(s), typeof(s), quote(b), quote(n), "
      "typeof(n), quote(x), typeof(x), quote(g), quote(new_field)";
  EXPECT_EQ(sql("SELECT " + cols + " FROM a ORDER BY k"), sql("SELECT " + cols + " FROM b ORDER BY k"));
  EXPECT_EQ(scan("a"), scan("b"));
  EXPECT_EQ(scan("b").size(), 300u);
}

TEST_F(SqliteApplyTest, ARowARuleRefusesIsNamedAndNothingIsWritten) {
  sql("CREATE TABLE t (k INTEGER PRIMARY KEY, u TEXT UNIQUE)");
  std::vector<std::string> docs;
  for (int k = 1; k <= 200; ++k) {
    int u = k == 170 ? 10 : k;  // row 170 repeats row 10's unique value
    docs.push_back(R"({"k":)" + std::to_string(k) + R"(,"u":"u)" + std::to_string(u) + "\"}");
  }
  std::vector<Change> text;
  for (size_t i = 0; i < docs.size(); ++i)
    text.push_back(text_insert("[" + std::to_string(i + 1) + "]", docs[i]));
  {
    auto store = open();
    auto txn = store->begin(TxnMode::kWrite);
    auto catalog = (*txn)->catalog(Config{});
    auto st = (*txn)->apply(*catalog->find("t"), text);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, ErrorCode::kBadInput) << st.error().message;
    EXPECT_NE(st.error().message.find("key [170]"), std::string::npos) << st.error().message;
  }
  EXPECT_EQ(sql("SELECT count(*) FROM t"), "0\n");
}

}  // namespace
}  // namespace dbsync
