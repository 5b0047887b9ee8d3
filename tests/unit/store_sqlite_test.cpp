// What is particular to the SQLite store (store/sqlite/): typed columns,
// bytes SQLite does not check, which tables sync, and DDL built from an
// untrusted schema.json.
#include <gtest/gtest.h>

#include "json/parse.h"
#include "store/registry.h"
#include "store/sqlite/sqlite_schema.h"
#include "unit/sync_test_util.h"

namespace dbsync {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    auto s = open_store("sqlite:db.sqlite", dir_.path());
    EXPECT_TRUE(s.has_value());
    return std::move(*s);
  }
  std::map<std::string, std::string> scan(const std::string& table, const Config& config = {}) {
    std::map<std::string, std::string> out;
    auto store = open();
    auto txn = store->begin(TxnMode::kRead);
    EXPECT_TRUE(txn.has_value()) << txn.error().message;
    auto catalog = (*txn)->catalog(config);
    EXPECT_TRUE(catalog.has_value()) << catalog.error().message;
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
  // An insert given as canonical text, as the import hands it over.
  static Change text_insert(const std::string& key, std::string_view doc) {
    Change c;
    c.op = Change::Op::kInsert;
    c.key.encoding = key;
    c.doc_text = doc;
    return c;
  }

  TempDir dir_;
};

TEST_F(SqliteStoreTest, TypedColumnsReadBackExactly) {
  sql("CREATE TABLE t (k INTEGER PRIMARY KEY, r REAL, i INTEGER, s TEXT, b BLOB, n NUMERIC);"
      "INSERT INTO t VALUES (1, 1.0, 9223372036854775807, 'x', x'00ff', 1.5);"
      "INSERT INTO t VALUES (2, 0.30000000000000004, -9223372036854775808, '', x'', NULL);"
      "INSERT INTO t VALUES (3, 1e308, 0, 'a' || char(0) || 'b', NULL, 7);");
  auto got = scan("t");
  EXPECT_EQ(
      got["[1]"],
      R"({"b":{"$binary":{"base64":"AP8=","subType":"00"}},"i":9223372036854775807,"k":1,"n":1.5,"r":1.0,"s":"x"})");
  EXPECT_EQ(
      got["[2]"],
      R"({"b":{"$binary":{"base64":"","subType":"00"}},"i":-9223372036854775808,"k":2,"n":null,"r":0.30000000000000004,"s":""})");
  EXPECT_EQ(got["[3]"], R"({"b":null,"i":0,"k":3,"n":7,"r":1e+308,"s":"a\u0000b"})");
}

TEST_F(SqliteStoreTest, TextThatIsNotUtf8KeepsItsBytes) {
  sql("CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT);"
      "INSERT INTO t VALUES (1, CAST(x'61ff62' AS TEXT));");
  auto got = scan("t");
  EXPECT_EQ(got["[1]"], R"({"k":1,"s":{"$binary":{"base64":"Yf9i","subType":"80"}}})");
  // Written back, it is TEXT with the same bytes again.
  auto store = open();
  auto txn = store->begin(TxnMode::kWrite);
  ASSERT_TRUE(txn.has_value());
  auto catalog = (*txn)->catalog(Config{});
  json::Value doc = *json::parse(R"({"k":2,"s":{"$binary":{"base64":"Yf9i","subType":"80"}}})");
  ASSERT_TRUE(
      (*txn)->apply(*catalog->find("t"), {{Change::Op::kInsert, *parse_key("[2]", 1), &doc}}).has_value());
  ASSERT_TRUE((*txn)->commit().has_value());
  txn->reset();
  EXPECT_EQ(sql("SELECT typeof(s), hex(s) FROM t WHERE k = 2"), "text|61FF62\n");
}

// The import hands the SQLite store canonical text (Change::doc_text)
// instead of parsed documents: both must write exactly the same rows.
TEST_F(SqliteStoreTest, CanonicalTextWritesWhatParsedDocumentsWrite) {
  sql("CREATE TABLE a (k INTEGER PRIMARY KEY, r REAL, i INTEGER, s TEXT, b BLOB, n NUMERIC, x);"
      "CREATE TABLE b (k INTEGER PRIMARY KEY, r REAL, i INTEGER, s TEXT, b BLOB, n NUMERIC, x);");
  const char* docs[] = {
      R"({"b":{"$binary":{"base64":"AP8=","subType":"00"}},"i":9223372036854775807,"k":1,"n":1.5,"r":1.0,"s":"x"})",
      R"({"b":null,"i":-9223372036854775808,"k":2,"n":null,"r":0.30000000000000004,"s":""})",
      R"({"i":0,"k":3,"n":7,"r":1e+308,"s":"a\u0000b \"q\" \\ é","x":true})",
      R"({"i":-1,"k":4,"r":-0.0,"s":{"$binary":{"base64":"Yf9i","subType":"80"}},"x":false})",
      R"({"k":5,"r":0.0,"x":{"nested":[1,2.5,"three"]}})",
      R"({"k":6,"r":5e-324,"s":"tab\tnewline\n","x":[]})",
      R"({"i":{"$numberLong":"42"},"k":7,"r":{"$numberDouble":"-Infinity"},"x":{"$numberDouble":"NaN"}})",
      R"({"k":8})",
      R"({"k":9,"new_field":"added by the snapshot","r":2.0})",
  };
  auto store = open();
  auto txn = store->begin(TxnMode::kWrite);
  ASSERT_TRUE(txn.has_value());
  ASSERT_TRUE((*txn)->applies_canonical_text());
  auto catalog = (*txn)->catalog(Config{});
  ASSERT_TRUE(catalog.has_value());
  std::vector<json::Value> values;
  std::vector<Change> parsed, text;
  for (const char* d : docs) values.push_back(*json::parse(d));
  for (size_t i = 0; i < values.size(); ++i) {
    std::string key = "[" + std::to_string(i + 1) + "]";
    parsed.push_back({Change::Op::kInsert, *parse_key(key, 1), &values[i]});
    text.push_back(text_insert(key, docs[i]));
  }
  ASSERT_TRUE((*txn)->apply(*catalog->find("a"), parsed).has_value());
  auto st = (*txn)->apply(*catalog->find("b"), text);
  ASSERT_TRUE(st.has_value()) << st.error().message;
  // Updates by text too.
  json::Value upd = *json::parse(R"({"k":2,"r":3.25,"s":"changed"})");
  Change cu;
  cu.op = Change::Op::kUpdate;
  cu.key = *parse_key("[2]", 1);
  cu.doc_text = R"({"k":2,"r":3.25,"s":"changed"})";
  ASSERT_TRUE(
      (*txn)->apply(*catalog->find("a"), {{Change::Op::kUpdate, *parse_key("[2]", 1), &upd}}).has_value());
  ASSERT_TRUE((*txn)->apply(*catalog->find("b"), {cu}).has_value());
  auto empty = (*txn)->empty(*catalog->find("a"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(*empty);
  ASSERT_TRUE((*txn)->commit().has_value());
  txn->reset();
  std::string cols =
      "k, quote(r), typeof(r), quote(i), typeof(i), quote(s), typeof(s), quote(b), quote(n), "
      "typeof(n), quote(x), typeof(x), quote(new_field)";
  EXPECT_EQ(sql("SELECT " + cols + " FROM a ORDER BY k"), sql("SELECT " + cols + " FROM b ORDER BY k"));
  EXPECT_EQ(scan("a"), scan("b"));
  EXPECT_EQ(scan("b").size(), 9u);
}

TEST_F(SqliteStoreTest, EmptyTellsATableWithoutRows) {
  sql("CREATE TABLE t (k INTEGER PRIMARY KEY);");
  auto store = open();
  auto txn = store->begin(TxnMode::kWrite);
  ASSERT_TRUE(txn.has_value());
  auto catalog = (*txn)->catalog(Config{});
  auto empty = (*txn)->empty(*catalog->find("t"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(*empty);
}

TEST_F(SqliteStoreTest, OnlyTablesWithAKeyAndAPlainNameSync) {
  sql("CREATE TABLE ok (id INTEGER PRIMARY KEY);"
      "CREATE TABLE nokey (a TEXT);"
      "CREATE TABLE \"we ird\" (id INTEGER PRIMARY KEY);"
      "CREATE VIEW v AS SELECT * FROM ok;"
      "CREATE VIRTUAL TABLE f USING fts5(body);");
  auto store = open();
  auto txn = store->begin(TxnMode::kRead);
  ASSERT_TRUE(txn.has_value());
  auto catalog = (*txn)->catalog(Config{});
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
  ASSERT_EQ(catalog->collections.size(), 1u);
  EXPECT_EQ(catalog->collections[0].name, "ok");
  std::map<std::string, std::string> skipped;
  for (const auto& s : catalog->skipped) skipped[s.name] = s.reason;
  EXPECT_EQ(skipped.size(), 3u);
  EXPECT_NE(skipped["nokey"].find("no PRIMARY KEY"), std::string::npos);
  EXPECT_NE(skipped["we ird"].find("not a plain collection name"), std::string::npos);
  EXPECT_NE(skipped["f"].find("virtual"), std::string::npos);
}

TEST_F(SqliteStoreTest, AConfiguredKeyThatIsNotAColumnIsAUsageError) {
  sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)");
  auto config = parse_config("version = 1\n[collections.t]\nkey = [\"nope\"]\n", "dbsync.toml");
  ASSERT_TRUE(config.has_value());
  auto store = open();
  auto txn = store->begin(TxnMode::kRead);
  auto catalog = (*txn)->catalog(*config);
  ASSERT_FALSE(catalog.has_value());
  EXPECT_EQ(catalog.error().code, ErrorCode::kUsage);
  EXPECT_NE(catalog.error().message.find("'nope'"), std::string::npos);
}

TEST_F(SqliteStoreTest, ANaturalKeyLetsTheDatabaseAssignTheRowidAlias) {
  sql("CREATE TABLE pnl (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT, ts TEXT, profit REAL);"
      "INSERT INTO pnl (user, ts, profit) VALUES ('u', 't1', 1.0);");
  auto config = parse_config("version = 1\n[collections.pnl]\nkey = [\"user\", \"ts\"]\n", "dbsync.toml");
  auto store = open();
  auto txn = store->begin(TxnMode::kWrite);
  auto catalog = (*txn)->catalog(*config);
  ASSERT_TRUE(catalog.has_value());
  const CollectionInfo* info = catalog->find("pnl");
  ASSERT_NE(info, nullptr);
  json::Value doc = *json::parse(R"({"profit":2.0,"ts":"t2","user":"u"})");
  ASSERT_TRUE(
      (*txn)->apply(*info, {{Change::Op::kInsert, *parse_key(R"(["u","t2"])", 2), &doc}}).has_value());
  ASSERT_TRUE((*txn)->commit().has_value());
  txn->reset();
  EXPECT_EQ(sql("SELECT id, ts FROM pnl ORDER BY id"), "1|t1\n2|t2\n");
  auto got = scan("pnl", *config);
  EXPECT_EQ(got[R"(["u","t2"])"], R"({"profit":2.0,"ts":"t2","user":"u"})");
}

TEST_F(SqliteStoreTest, AMissingFileIsUnavailableForReading) {
  auto store = open();
  auto txn = store->begin(TxnMode::kRead);
  ASSERT_FALSE(txn.has_value());
  EXPECT_EQ(txn.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "db.sqlite"));
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsUnavailable) {
  ASSERT_TRUE(write_file_atomic(dir_.path() / "db.sqlite", std::string(4096, 'x')).has_value());
  auto txn = open()->begin(TxnMode::kRead);
  ASSERT_FALSE(txn.has_value());
  EXPECT_EQ(txn.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(txn.error().message.find("db.sqlite"), std::string::npos);
}

TEST(SqliteStoreUrl, UnknownSchemesAndEmptyUrlsAreUsageErrorsWithoutPasswords) {
  auto none = open_store("", ".");
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kUsage);
  auto odd = open_store("oracle://scott:tiger@host/db", ".");
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code, ErrorCode::kUsage);
  EXPECT_EQ(odd.error().message.find("tiger"), std::string::npos) << odd.error().message;
}

TEST(SqliteSchema, DeclaredTypesMustBePlain) {
  for (const char* ok :
       {"", "INTEGER", "NVARCHAR(120)", "NUMERIC(10,2)", "unsigned big int", "DOUBLE PRECISION"})
    EXPECT_TRUE(is_safe_sql_type(ok)) << ok;
  for (const char* bad : {"TEXT); DROP TABLE x; --", "INT\"", "TEXT CHECK(1)", "VARCHAR(1) DEFAULT 'x'",
                          "A(B)", "INTEGER PRIMARY KEY", "TEXT NOT NULL"})
    EXPECT_FALSE(is_safe_sql_type(bad)) << bad;
}

TEST(SqliteSchema, DefaultsMustBeLiterals) {
  for (const char* ok :
       {"0", "-1.5", "1e10", "0x1F", "'it''s'", "NULL", "CURRENT_TIMESTAMP", "(42)", "X'00ff'", "TRUE"})
    EXPECT_TRUE(is_literal_default(ok)) << ok;
  for (const char* bad :
       {"abc", "'open", "1); DROP TABLE t; --", "(1) + (2)", "random()", "'a' || 'b'", "X'0g'"})
    EXPECT_FALSE(is_literal_default(bad)) << bad;
}

TEST(SqliteSchema, CreateStatementsQuoteEveryNameAndDropNonLiteralDefaults) {
  auto detail = json::parse(R"J({"key":["id"],"sqlite":{"columns":[
      {"default":null,"name":"id","notnull":true,"pk":1,"type":"INTEGER"},
      {"default":"(strftime('%s','now'))","name":"a\"b","notnull":false,"pk":0,"type":"TEXT"}],
      "foreign_keys":[{"columns":["a\"b"],"on_delete":"CASCADE","on_update":"NO ACTION","references":[],"table":"p\"q"}],
      "indexes":[{"columns":["a\"b"],"name":"i\"x","unique":true}],"without_rowid":false}})J");
  ASSERT_TRUE(detail.has_value());
  std::vector<std::string> warnings;
  auto sqls = sqlite_create_statements("t", *detail, {"id"}, {"extra"}, "dbsync/t/schema.json", warnings);
  ASSERT_TRUE(sqls.has_value()) << sqls.error().message;
  ASSERT_EQ(sqls->size(), 2u);
  EXPECT_EQ(
      (*sqls)[0],
      R"J(CREATE TABLE "t" ("id" INTEGER NOT NULL, "a""b" TEXT, "extra", PRIMARY KEY ("id"), FOREIGN KEY ("a""b") REFERENCES "p""q" ON DELETE CASCADE))J");
  EXPECT_EQ((*sqls)[1], R"J(CREATE UNIQUE INDEX "i""x" ON "t" ("a""b"))J");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("not a literal"), std::string::npos);
}

TEST(SqliteSchema, HostileSchemaFieldsAreBadInputNamingTheField) {
  std::vector<std::string> warnings;
  for (
      const char* bad :
      {R"J({"key":["id"],"sqlite":{"columns":[{"name":"id","type":"INT); DROP TABLE x; --","pk":1}]}})J",
       R"({"key":["id"],"sqlite":{"columns":[{"name":"id","type":"INTEGER","pk":1}],"foreign_keys":[{"columns":["id"],"table":"p","references":[],"on_update":"DROP","on_delete":"NO ACTION"}]}})",
       R"({"key":["id"],"sqlite":{"columns":[{"name":"id","type":"INTEGER","pk":1},{"name":"id","type":"","pk":0}]}})",
       R"({"key":["id"],"sqlite":{"columns":"x"}})"}) {
    auto detail = json::parse(bad);
    ASSERT_TRUE(detail.has_value()) << bad;
    auto sqls = sqlite_create_statements("t", *detail, {"id"}, {}, "dbsync/t/schema.json", warnings);
    ASSERT_FALSE(sqls.has_value()) << bad;
    EXPECT_EQ(sqls.error().code, ErrorCode::kBadInput);
    EXPECT_NE(sqls.error().message.find("'dbsync/t/schema.json' field 'sqlite."), std::string::npos)
        << sqls.error().message;
  }
}

// The fast write path (sqlite_txn.cpp apply): documents given as canonical
// text, bound straight from the text and inserted many rows per statement,
// must leave the same rows as documents given as values, written one
// statement per row; and a row SQLite refuses is still named.
TEST_F(SqliteStoreTest, ManyRowsByTextWriteWhatRowsByValueWrite) {
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

TEST_F(SqliteStoreTest, ARowARuleRefusesIsNamedAndNothingIsWritten) {
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
