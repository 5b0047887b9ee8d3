// PostgreSQL-specific store tests (beyond the shared contract): every
// column type maps to canonical JSON as pg_value.h says and round-trips
// through schema.json onto an empty replica; row locks keep the application
// from changing what an import read; a racing insert is never overwritten;
// hostile and over-long names; credentials never shown. Skipped without
// DBSYNC_TEST_POSTGRES_URL (scripts/postgres-test-server.sh).
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "contract/postgres_support.h"
#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/key.h"
#include "store/registry.h"
#include "test_support/temp_dir.h"

namespace dbsync::contract {
namespace {

class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    if (postgres_test_url().empty()) GTEST_SKIP() << "DBSYNC_TEST_POSTGRES_URL is not set";
    auto url = fresh_postgres_database();
    ASSERT_TRUE(url.has_value()) << url.error().message;
    url_ = *url;
    auto store = open_store(url_, dir_.path());
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  void sql(const std::string& text) {
    auto st = postgres_exec(url_, text);
    ASSERT_TRUE(st.has_value()) << st.error().message;
  }

  std::unique_ptr<StoreTxn> begin(Store& store, TxnMode mode) {
    auto txn = store.begin(mode);
    EXPECT_TRUE(txn.has_value()) << txn.error().message;
    return txn ? std::move(*txn) : nullptr;
  }

  Catalog catalog(Store& store) {
    auto txn = begin(store, TxnMode::kRead);
    auto c = txn->catalog(Config{});
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? *c : Catalog{};
  }

  std::map<std::string, std::string> scan(Store& store, const CollectionInfo& info) {
    std::map<std::string, std::string> out;
    auto txn = begin(store, TxnMode::kRead);
    auto st = txn->scan(info, [&](std::string_view key, std::string_view doc) -> Status {
      out.emplace(std::string(key), std::string(doc));
      return {};
    });
    EXPECT_TRUE(st.has_value()) << st.error().message;
    return out;
  }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresStore, EveryTypeMapsToCanonicalJson) {
  sql(R"(CREATE TABLE t (id integer PRIMARY KEY, i2 smallint, i8 bigint, n numeric, n2 numeric(10,2),
        r real, d double precision, s text, vc varchar(10), b boolean, bin bytea, dt date,
        ts timestamp, tz timestamptz, u uuid, j json, jb jsonb, ai integer[], at text[], af float8[]))");
  sql(R"(INSERT INTO t VALUES
    (1, -32768, 9223372036854775807, 42.00, 1.50, 0.1, 0.1, 'São "q" \ tab	x', 'abc', true, '\x00ff10',
     '2026-01-15', '2026-01-15 10:30:45.123456', '2026-01-15 12:30:45.5+02', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
     '{"b": [1, 2.50], "a": "x"}', '{"z": 1, "a": null}', '{1,NULL,3}', '{"a,b","c\"d",NULL}', '{1.5,Infinity}'),
    (2, NULL, -9223372036854775808, 12345678901234567890.123, -0.01, 'Infinity', '-0', '', NULL, false, '\x',
     NULL, NULL, NULL, NULL, NULL, NULL, '{}', '{}', '{NaN}'),
    (3, 0, 0, 'NaN', NULL, 'NaN', 1e300, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', '1', NULL, NULL, NULL))");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 1u);
  auto got = scan(*store_, cat.collections[0]);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got["[1]"],
            R"({"af":[1.5,{"$numberDouble":"Infinity"}],"ai":[1,null,3],"at":["a,b","c\"d",null],)"
            R"("b":true,"bin":{"$binary":{"base64":"AP8Q","subType":"00"}},"d":0.1,"dt":"2026-01-15",)"
            R"("i2":-32768,"i8":9223372036854775807,"id":1,"j":{"a":"x","b":[1,2.5]},"jb":{"a":null,"z":1},)"
            R"("n":42,"n2":1.5,"r":0.1,"s":"São \"q\" \\ tab\tx","ts":"2026-01-15T10:30:45.123456",)"
            R"("tz":"2026-01-15T10:30:45.5Z","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","vc":"abc"})");
  EXPECT_EQ(
      got["[2]"],
      R"({"af":[{"$numberDouble":"NaN"}],"ai":[],"at":[],"b":false,"bin":{"$binary":{"base64":"","subType":"00"}},)"
      R"("d":-0.0,"dt":null,"i2":null,"i8":-9223372036854775808,"id":2,"j":null,"jb":null,)"
      R"("n":{"$numberDecimal":"12345678901234567890.123"},"n2":-0.01,"r":{"$numberDouble":"Infinity"},)"
      R"("s":"","ts":null,"tz":null,"u":null,"vc":null})");
  EXPECT_EQ(got["[3]"],
            R"({"af":null,"ai":null,"at":null,"b":null,"bin":null,"d":1e+300,"dt":null,"i2":0,"i8":0,"id":3,)"
            R"("j":[],"jb":1,"n":{"$numberDecimal":"NaN"},"n2":null,"r":{"$numberDouble":"NaN"},"s":null,)"
            R"("ts":null,"tz":null,"u":null,"vc":null})");

  // schema.json recreates the table on an empty replica, and the same
  // documents written there read back byte for byte.
  auto replica_url = fresh_postgres_database();
  ASSERT_TRUE(replica_url.has_value());
  auto replica = open_store(*replica_url, dir_.path());
  ASSERT_TRUE(replica.has_value());
  const CollectionInfo& info = cat.collections[0];
  {
    auto txn = begin(**replica, TxnMode::kWrite);
    ASSERT_TRUE(txn->create_collection(info, {}).has_value());
    std::vector<json::Value> docs;
    for (auto& [k, d] : got) docs.push_back(*json::parse(d));
    std::vector<Change> changes;
    for (auto& d : docs)
      changes.push_back({Change::Op::kInsert, *parse_key(*key_encoding(d, {"id"}), 1), &d});
    auto st = txn->apply(info, changes);
    ASSERT_TRUE(st.has_value()) << st.error().message;
    for (auto& d : docs) {
      auto p = txn->preview(info, d);
      ASSERT_TRUE(p.has_value()) << p.error().message;
      EXPECT_EQ(*p, json::to_canonical(d));
    }
    ASSERT_TRUE(txn->commit().has_value());
  }
  auto replica_cat = catalog(**replica);
  ASSERT_EQ(replica_cat.collections.size(), 1u);
  EXPECT_EQ(replica_cat.collections[0].schema.to_json(), info.schema.to_json());
  EXPECT_EQ(scan(**replica, replica_cat.collections[0]), got);
  auto st = postgres_holds(*replica_url,
                           "(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                           "'t'::regclass AND attname = 'n2') = 'numeric(10,2)'");
  EXPECT_TRUE(st.has_value()) << "type lost: " << st.error().message;
}

TEST_F(PostgresStore, WritesNormaliseLikeThePreviewSays) {
  sql("CREATE TABLE t (id bigint PRIMARY KEY, n int, b boolean, r real, m numeric(6,2), s text)");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  json::Value doc = *json::parse(R"({"b":1,"id":1,"m":2.5,"n":3.0,"r":0.123456789,"s":5})");
  auto preview = txn->preview(cat.collections[0], doc);
  ASSERT_TRUE(preview.has_value()) << preview.error().message;
  EXPECT_EQ(*preview, R"({"b":true,"id":1,"m":2.5,"n":3,"r":0.12345679,"s":"5"})");
  ASSERT_TRUE(
      txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[1]", 1), &doc}}).has_value());
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  EXPECT_EQ(scan(*store_, cat.collections[0])["[1]"], *preview);
}

TEST_F(PostgresStore, LookupInAWriteTransactionLocksTheRowsItRead) {
  sql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  size_t found = 0;
  auto st = txn->lookup(cat.collections[0], {*parse_key("[1]", 1)}, [&](size_t, std::string_view) -> Status {
    ++found;
    return {};
  });
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(found, 1u);
  // The application cannot change the row the import read …
  auto blocked = postgres_exec(url_, "SET lock_timeout = '300ms'; UPDATE t SET v = 'app' WHERE id = 1");
  ASSERT_FALSE(blocked.has_value());
  EXPECT_NE(blocked.error().message.find("lock timeout"), std::string::npos) << blocked.error().message;
  // … but keeps writing the others.
  EXPECT_TRUE(
      postgres_exec(url_, "SET lock_timeout = '300ms'; UPDATE t SET v = 'app' WHERE id = 2").has_value());
  ASSERT_TRUE(txn->commit().has_value());
  EXPECT_TRUE(postgres_exec(url_, "UPDATE t SET v = 'app' WHERE id = 1").has_value());
}

TEST_F(PostgresStore, ARacingInsertOfTheSameKeyIsNeverOverwritten) {
  sql("CREATE TABLE t (id int PRIMARY KEY, v text)");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  // The import looked and found no row 5 …
  size_t found = 0;
  ASSERT_TRUE(txn->lookup(cat.collections[0], {*parse_key("[5]", 1)},
                          [&](size_t, std::string_view) -> Status {
                            ++found;
                            return {};
                          })
                  .has_value());
  EXPECT_EQ(found, 0u);
  // … then the application inserted it.
  sql("INSERT INTO t VALUES (5, 'app')");
  json::Value a = *json::parse(R"({"id":4,"v":"import"})"), b = *json::parse(R"({"id":5,"v":"import"})");
  auto st = txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[4]", 1), &a},
                                            {Change::Op::kInsert, *parse_key("[5]", 1), &b}});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_NE(st.error().message.find("(id)=(5)"), std::string::npos) << st.error().message;
  txn.reset();  // rolled back
  EXPECT_EQ(scan(*store_, cat.collections[0]),
            (std::map<std::string, std::string>{{"[5]", R"({"id":5,"v":"app"})"}}));
}

TEST_F(PostgresStore, AnUncommittedRacingInsertIsWaitedForThenRefused) {
  sql("CREATE TABLE t (id int PRIMARY KEY, v text)");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  std::thread app([&] {
    EXPECT_TRUE(postgres_exec(url_, "BEGIN; INSERT INTO t VALUES (7, 'app'); SELECT pg_sleep(0.5); COMMIT")
                    .has_value());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  json::Value b = *json::parse(R"({"id":7,"v":"import"})");
  auto st = txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[7]", 1), &b}});
  app.join();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  txn.reset();
  EXPECT_EQ(scan(*store_, cat.collections[0])["[7]"], R"({"id":7,"v":"app"})");
}

TEST_F(PostgresStore, UpdatesAndDeletesOfRowsThatVanishedFail) {
  sql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  json::Value u = *json::parse(R"({"id":2,"v":"x"})");
  auto st = txn->apply(cat.collections[0], {{Change::Op::kUpdate, *parse_key("[2]", 1), &u}});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
}

TEST_F(PostgresStore, CatalogSkipsTablesItCannotSyncAndSaysWhy) {
  sql(R"(CREATE TABLE "Weird Name" (id int PRIMARY KEY); CREATE TABLE nokey (v int);
        CREATE TABLE ok (id int PRIMARY KEY); CREATE VIEW v AS SELECT 1 AS x;
        CREATE TABLE parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
        CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100))");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 2u);
  EXPECT_EQ(cat.collections[0].name, "ok");
  EXPECT_EQ(cat.collections[1].name, "parted");
  std::map<std::string, std::string> skipped;
  for (auto& s : cat.skipped) skipped[s.name] = s.reason;
  EXPECT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped["nokey"].find("PRIMARY KEY"), std::string::npos);
  EXPECT_NE(skipped["Weird Name"].find("plain"), std::string::npos);
}

TEST_F(PostgresStore, NaturalKeyLeavesTheSerialIdOut) {
  sql("CREATE TABLE t (id serial PRIMARY KEY, u text NOT NULL, ts text NOT NULL, v int, UNIQUE (u, ts));"
      "INSERT INTO t (u, ts, v) VALUES ('a', '1', 10)");
  Config config;
  config.collections["t"].key = {"u", "ts"};
  auto txn = begin(*store_, TxnMode::kWrite);
  auto cat = txn->catalog(config);
  ASSERT_TRUE(cat.has_value()) << cat.error().message;
  ASSERT_EQ(cat->collections.size(), 1u);
  const CollectionInfo& info = cat->collections[0];
  json::Value d = *json::parse(R"({"ts":"2","u":"b","v":20})");
  ASSERT_TRUE(txn->apply(info, {{Change::Op::kInsert, *parse_key(R"(["b","2"])", 2), &d}}).has_value());
  std::map<std::string, std::string> got;
  ASSERT_TRUE(txn->scan(info,
                        [&](std::string_view k, std::string_view doc) -> Status {
                          got.emplace(k, doc);
                          return {};
                        })
                  .has_value());
  EXPECT_EQ(got, (std::map<std::string, std::string>{{R"(["a","1"])", R"({"ts":"1","u":"a","v":10})"},
                                                     {R"(["b","2"])", R"({"ts":"2","u":"b","v":20})"}}));
}

TEST_F(PostgresStore, OverlongAndHostileNamesAreRefusedOrQuoted) {
  sql("CREATE TABLE t (id int PRIMARY KEY)");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  json::Value d = json::make_object({{"id", 1}, {std::string(64, 'x'), 1}});
  auto st = txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[1]", 1), &d}});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kBadInput);
  txn.reset();
  txn = begin(*store_, TxnMode::kWrite);
  json::Value h = json::make_object({{"id", 2}, {"x\"; DROP TABLE t; --", "v"}, {"$1", 2}, {"a\\b'c", 3}});
  st = txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[2]", 1), &h}});
  ASSERT_TRUE(st.has_value()) << st.error().message;
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  EXPECT_EQ(scan(*store_, cat.collections[0])["[2]"], json::to_canonical(h));
}

TEST_F(PostgresStore, TextCannotHoldNulAndSaysSo) {
  sql("CREATE TABLE t (id int PRIMARY KEY, s text)");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  json::Value d = *json::parse(R"({"id":1,"s":"a\u0000b"})");
  auto st = txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[1]", 1), &d}});
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kBadInput);
  EXPECT_NE(st.error().message.find("NUL"), std::string::npos);
}

TEST_F(PostgresStore, PasswordsNeverShow) {
  std::string base = postgres_test_url();
  size_t q = base.find('?');
  std::string url = "postgresql://nosuchuser:s3cr%21t@" + base.substr(base.find("://") + 3);
  url = "postgresql://nosuchuser:s3cr%21t@/postgres" + base.substr(q) + "&password=other%2Fsecret";
  // The test URL carries its own user=: drop it so nosuchuser is used.
  size_t user = url.find("&user=");
  if (user != std::string::npos) url.erase(user, url.find('&', user + 1) - user);
  auto store = open_store(url, dir_.path());
  ASSERT_TRUE(store.has_value());
  std::string shown = (*store)->display_url();
  EXPECT_EQ(shown.find("s3cr"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("other"), std::string::npos) << shown;
  EXPECT_NE(shown.find("nosuchuser"), std::string::npos) << shown;
  auto st = (*store)->check();
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kUnavailable);
  for (const char* secret : {"s3cr", "other", "%21", "%2F"})
    EXPECT_EQ(st.error().message.find(secret), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("nosuchuser"), std::string::npos) << st.error().message;
}

TEST_F(PostgresStore, ArrayKeyColumnsAreLookedUpWhole) {
  sql(R"(CREATE TABLE t (k integer[] PRIMARY KEY, v text);
        INSERT INTO t VALUES ('{1,2}', 'a'), ('{3}', 'b'), ('{{1,2},{3,4}}', 'c'), ('{}', 'd'))");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 1u);
  const CollectionInfo& info = cat.collections[0];
  std::vector<KeyRef> keys = {*parse_key("[[3]]", 1), *parse_key("[[1,2]]", 1), *parse_key("[[9]]", 1),
                              *parse_key("[[[1,2],[3,4]]]", 1), *parse_key("[[]]", 1)};
  std::map<size_t, std::string> found;
  auto txn = begin(*store_, TxnMode::kWrite);
  auto st = txn->lookup(info, keys, [&](size_t i, std::string_view doc) -> Status {
    found.emplace(i, doc);
    return {};
  });
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(found, (std::map<size_t, std::string>{{0, R"({"k":[3],"v":"b"})"},
                                                  {1, R"({"k":[1,2],"v":"a"})"},
                                                  {3, R"({"k":[[1,2],[3,4]],"v":"c"})"},
                                                  {4, R"({"k":[],"v":"d"})"}}));
  // Updates and deletes match array keys too.
  json::Value u = *json::parse(R"({"k":[1,2],"v":"A"})");
  st = txn->apply(info, {{Change::Op::kUpdate, *parse_key("[[1,2]]", 1), &u},
                         {Change::Op::kDelete, *parse_key("[[3]]", 1)}});
  ASSERT_TRUE(st.has_value()) << st.error().message;
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  auto now = scan(*store_, info);
  EXPECT_EQ(now.size(), 3u);
  EXPECT_EQ(now["[[1,2]]"], R"({"k":[1,2],"v":"A"})");
  EXPECT_EQ(now.count("[[3]]"), 0u);
}

TEST_F(PostgresStore, AKeyLongerThanItsColumnIsNotCutToMatchAnother) {
  sql("CREATE TABLE t (k varchar(3) PRIMARY KEY, v text); INSERT INTO t VALUES ('abc', 'a')");
  auto cat = catalog(*store_);
  auto txn = begin(*store_, TxnMode::kWrite);
  size_t found = 0;
  ASSERT_TRUE(txn->lookup(cat.collections[0], {*parse_key(R"(["abcd"])", 1)},
                          [&](size_t, std::string_view) -> Status {
                            ++found;
                            return {};
                          })
                  .has_value());
  EXPECT_EQ(found, 0u);
}

// Documents as canonical text (the import's fast path): inserts without key
// values, a field the table lacks added as a column, and a value the column
// refuses named by its key.
TEST_F(PostgresStore, DocumentsGivenAsTextAreWrittenLikeValues) {
  sql("CREATE TABLE t (id bigint PRIMARY KEY, n int, b boolean, s text, j jsonb, a text[])");
  auto cat = catalog(*store_);
  const CollectionInfo& info = cat.collections[0];
  std::vector<std::string> texts = {
      R"({"a":["x","y\"z"],"b":true,"id":1,"j":{"k":[1,2.5]},"n":3,"s":"tab\there"})",
      R"({"b":1,"id":2,"n":4.0,"s":"é"})", R"({"extra":{"q":1},"id":3})"};
  std::vector<Change> changes;
  for (size_t i = 0; i < texts.size(); ++i) {
    Change& c = changes.emplace_back();
    c.op = Change::Op::kInsert;
    c.key.encoding = "[" + std::to_string(i + 1) + "]";
    c.doc_text = texts[i];
  }
  auto txn = begin(*store_, TxnMode::kWrite);
  ASSERT_TRUE(txn->applies_canonical_text());
  auto st = txn->apply(info, changes);
  ASSERT_TRUE(st.has_value()) << st.error().message;
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  auto after = catalog(*store_);
  auto got = scan(*store_, after.collections[0]);
  EXPECT_EQ(got["[1]"],
            R"({"a":["x","y\"z"],"b":true,"extra":null,"id":1,"j":{"k":[1,2.5]},"n":3,"s":"tab\there"})");
  EXPECT_EQ(got["[2]"], R"({"a":null,"b":true,"extra":null,"id":2,"j":null,"n":4,"s":"é"})");
  EXPECT_EQ(got["[3]"], R"({"a":null,"b":null,"extra":{"q":1},"id":3,"j":null,"n":null,"s":null})");

  txn = begin(*store_, TxnMode::kWrite);
  std::vector<Change> bad(2);
  bad[0].key.encoding = "[10]";
  bad[0].doc_text = R"({"id":10,"n":1})";
  bad[1].key.encoding = "[11]";
  bad[1].doc_text = R"({"id":11,"n":"eleven"})";
  st = txn->apply(after.collections[0], bad);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code, ErrorCode::kBadInput);
  EXPECT_NE(st.error().message.find("table 't'"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("key [11]"), std::string::npos) << st.error().message;
  txn.reset();
  EXPECT_EQ(scan(*store_, after.collections[0]).size(), 3u);
}

// A column of every type with a COPY binary form (pg_copy_binary.h), for the
// two tests below; each pairs table `bin` with a table `txt` that adds a
// uuid column, which makes the same rows go as COPY text.
constexpr const char* kBinaryColumns =
    "id bigint PRIMARY KEY, i2 smallint, i4 integer, d double precision, b boolean, s text, vc varchar(5), "
    "dt date, ts timestamp, tz timestamptz";

// Inserts into a table whose every column has a binary form go as COPY
// binary (pg_copy_binary.h); one column without (uuid) sends the same
// documents as COPY text. Both tables must end up holding the same values,
// for edge values and for rows whose value only the server's text input
// takes (a space before the time, an integer for a double): those switch
// the rest of the run to text.
TEST_F(PostgresStore, RowsWrittenAsBinaryEqualRowsWrittenAsText) {
  const std::string columns = kBinaryColumns;
  sql("CREATE TABLE bin (" + columns + "); CREATE TABLE txt (" + columns + ", u uuid)");
  std::vector<std::string> texts = {
      R"({"b":true,"d":0.1,"dt":"2024-02-29","i2":-32768,"i4":2147483647,"id":1,"s":"tab\there \"q\" é",)"
      R"("ts":"1999-12-31T23:59:59.5","tz":"2026-01-15T10:30:45.123456Z","vc":"abcde"})",
      R"({"b":0,"d":-2.5e-310,"dt":"0001-01-01","i2":null,"i4":-1,"id":2,"s":"","ts":"9999-12-31T23:59:59.999999",)"
      R"("tz":"1970-01-01T00:00:00Z","vc":null})",
      R"({"b":1,"d":1e+300,"dt":"1900-03-01","i2":7,"i4":0,"id":3,"s":"x","ts":"2026-01-15T10:30:45",)"
      R"("tz":"2026-01-15 12:30:45+02","vc":""})",
      R"({"b":false,"d":5,"id":4,"s":"back\\slash","tz":"2026-12-31T23:59:59.000001Z"})"};
  // A 19-digit key, written before the run switches to text.
  texts.insert(texts.begin() + 1, R"({"i2":1,"id":9223372036854775807})");
  std::vector<Change> changes;
  for (size_t i = 0; i < texts.size(); ++i) {
    Change& c = changes.emplace_back();
    c.op = Change::Op::kInsert;
    size_t id = texts[i].find("\"id\":") + 5;
    c.key.encoding = "[" + texts[i].substr(id, texts[i].find_first_of(",}", id) - id) + "]";
    c.doc_text = texts[i];
  }
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 2u);
  auto txn = begin(*store_, TxnMode::kWrite);
  for (const CollectionInfo& info : cat.collections) {
    // In two calls: each apply() ends its COPY, the second starts binary again.
    auto st = txn->apply(info, std::vector<Change>(changes.begin(), changes.begin() + 1));
    ASSERT_TRUE(st.has_value()) << st.error().message;
    st = txn->apply(info, std::vector<Change>(changes.begin() + 1, changes.end()));
    ASSERT_TRUE(st.has_value()) << st.error().message;
  }
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  const std::string list = "id, i2, i4, d, b, s, vc, dt, ts, tz";
  auto st =
      postgres_holds(url_, "(SELECT count(*) FROM bin) = 5 AND NOT EXISTS (SELECT " + list +
                               " FROM bin EXCEPT SELECT " + list + " FROM txt) AND NOT EXISTS (SELECT " +
                               list + " FROM txt EXCEPT SELECT " + list + " FROM bin)");
  EXPECT_TRUE(st.has_value()) << "the tables differ: " << st.error().message;
  // Bit for bit, and the instants themselves, not only as both read back.
  st = postgres_holds(
      url_,
      "(SELECT float8send(d) = float8send(0.1::float8) AND tz = '2026-01-15 10:30:45.123456+00' AND "
      "ts = '1999-12-31 23:59:59.5' AND dt = '2024-02-29' AND s = E'tab\\there \"q\" é' FROM bin "
      "WHERE id = 1) AND (SELECT float8send(d) = float8send(-2.5e-310::float8) AND i2 IS NULL AND "
      "NOT b FROM bin WHERE id = 2) AND (SELECT tz = '2026-01-15 10:30:45+00' FROM bin WHERE id = 3)");
  EXPECT_TRUE(st.has_value()) << st.error().message;
  auto rows = scan(*store_, catalog(*store_).collections.at(0));
  EXPECT_EQ(
      rows["[1]"],
      R"({"b":true,"d":0.1,"dt":"2024-02-29","i2":-32768,"i4":2147483647,"id":1,"s":"tab\there \"q\" é",)"
      R"("ts":"1999-12-31T23:59:59.5","tz":"2026-01-15T10:30:45.123456Z","vc":"abcde"})");

  // A value neither form takes fails the apply naming its key, also after
  // rows that went as binary.
  std::vector<Change> bad(3);
  bad[0].key.encoding = "[10]";
  bad[0].doc_text = R"({"id":10,"vc":"ok"})";
  bad[1].key.encoding = "[11]";
  bad[1].doc_text = R"({"id":11,"vc":"too long"})";
  bad[2].key.encoding = "[12]";
  bad[2].doc_text = R"({"i2":40000,"id":12})";
  for (size_t i : {1, 2}) {
    txn = begin(*store_, TxnMode::kWrite);
    std::vector<Change> run = {bad[0], bad[i]};
    st = txn->apply(cat.collections[0], run);
    ASSERT_FALSE(st.has_value()) << i;
    EXPECT_NE(st.error().message.find("table 'bin'"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("key " + bad[i].key.encoding), std::string::npos) << st.error().message;
    txn.reset();
  }
  EXPECT_EQ(scan(*store_, cat.collections[0]).size(), 5u);
}

// Scans of a table whose every column has a binary form read COPY binary;
// one column without (uuid) makes the same rows read as text. The
// documents must be the same, for the values at every edge of each type:
// the binary reader rebuilds PostgreSQL's own text for dates and times
// (BC, years past 9999, infinity) and its words for NaN and the infinities.
// Lookups by key, which read binary result columns, are compared too.
TEST_F(PostgresStore, RowsReadAsBinaryEqualRowsReadAsText) {
  const std::string columns = kBinaryColumns;
  const std::string rows = R"(
    (-9223372036854775808, -32768, -2147483648, 'NaN', true, '', 'abcde', '2024-02-29',
     '2026-01-15 10:30:45.123456', '2026-01-15 12:30:45.5+02'),
    (9223372036854775807, 32767, 2147483647, 'Infinity', false, 'São "q" \ tab	x', '', '0001-01-01',
     '1999-12-31 23:59:59.5', '1969-12-31 23:59:59.999999+00'),
    (0, 0, 0, '-Infinity', NULL, E'new\nline 🙂', NULL, '0044-03-15 BC', '0001-01-01 00:00:00 BC',
     '0001-12-31 23:59:59.1 BC'),
    (1, NULL, NULL, '-0', true, NULL, 'x', '10000-01-01', '10000-01-01 00:00:00.000001',
     '294276-12-31 23:59:59.999999+00'),
    (2, 1, -1, 4.9e-324, false, 'x', 'y', 'infinity', 'infinity', '-infinity'),
    (3, 2, 2, 1e300, true, 'z', 'z', '-infinity', '-infinity', 'infinity'),
    (4, 3, 3, 0.1, NULL, 'w', NULL, '4714-11-24 BC', '4714-11-24 00:00:00 BC', '4714-11-24 00:00:00+00 BC'),
    (5, 4, 4, 123456789.125, NULL, NULL, NULL, '5874897-12-31', '2000-01-01 00:00:00', '2000-02-29 12:00:00.01+00'),
    (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL))";
  sql("CREATE TABLE bin (" + columns + "); CREATE TABLE txt (" + columns +
      ", u uuid); INSERT INTO bin VALUES " + rows +
      "; INSERT INTO txt (id, i2, i4, d, b, s, vc, dt, ts, tz) VALUES " + rows);
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 2u);
  auto binary = scan(*store_, cat.collections[0]);
  auto text = scan(*store_, cat.collections[1]);
  ASSERT_EQ(binary.size(), 9u);
  ASSERT_EQ(text.size(), 9u);
  for (auto& [key, doc] : text) {
    std::string without_u = doc;
    size_t at = without_u.find(R"(,"u":null)");
    ASSERT_NE(at, std::string::npos) << doc;
    without_u.erase(at, 9);
    EXPECT_EQ(binary[key], without_u) << key;
  }
  // Lookups by key read the same way (binary results) and give the same.
  std::vector<KeyRef> keys;
  for (auto& [key, doc] : text) keys.push_back(*parse_key(key, 1));
  for (const CollectionInfo& info : cat.collections) {
    auto txn = begin(*store_, TxnMode::kRead);
    size_t found = 0;
    auto st = txn->lookup(info, keys, [&](size_t i, std::string_view doc) -> Status {
      ++found;
      EXPECT_EQ(std::string(doc), info.name == "bin" ? binary[keys[i].encoding] : text[keys[i].encoding])
          << info.name << " " << keys[i].encoding;
      return {};
    });
    ASSERT_TRUE(st.has_value()) << st.error().message;
    EXPECT_EQ(found, keys.size()) << info.name;
  }
  EXPECT_EQ(binary["[0]"],
            R"({"b":null,"d":{"$numberDouble":"-Infinity"},"dt":"0044-03-15 BC","i2":0,"i4":0,"id":0,)"
            R"("s":"new\nline 🙂","ts":"0001-01-01T00:00:00 BC","tz":"0001-12-31 23:59:59.1+00 BC",)"
            R"("vc":null})");
  EXPECT_EQ(binary["[1]"],
            R"({"b":true,"d":-0.0,"dt":"10000-01-01","i2":null,"i4":null,"id":1,"s":null,)"
            R"("ts":"10000-01-01 00:00:00.000001","tz":"294276-12-31 23:59:59.999999+00","vc":"x"})");
}

TEST_F(PostgresStore, ConstraintsAndIndexesRoundTripThroughSchemaJson) {
  sql(R"(CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, CONSTRAINT users_email_key UNIQUE (email));
        CREATE TABLE pnl (id int PRIMARY KEY, user_id int NOT NULL, note text, profit numeric,
          CONSTRAINT pnl_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
          CONSTRAINT pnl_profit_check CHECK (profit > -1000));
        CREATE INDEX pnl_user_ts ON pnl (user_id, id);
        CREATE UNIQUE INDEX pnl_note_u ON pnl (note);
        CREATE INDEX pnl_lower_note ON pnl (lower(note));
        INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');
        INSERT INTO pnl VALUES (10, 1, 'n10', 5), (11, 2, 'n11', 6))");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 2u);
  const CollectionInfo& pnl = cat.collections[0];
  const CollectionInfo& users = cat.collections[1];
  ASSERT_EQ(pnl.name, "pnl");
  const json::Value* pg = pnl.schema.detail.find("postgresql");
  ASSERT_NE(pg, nullptr);
  const json::Value* cons = pg->find("constraints");
  ASSERT_TRUE(cons != nullptr && cons->is_array() && cons->as_array().size() == 2u);
  // A CHECK is recorded as PostgreSQL's own definition text.
  EXPECT_EQ(cons->as_array()[0].find("name")->as_string(), "pnl_profit_check");
  EXPECT_EQ(cons->as_array()[0].find("type")->as_string(), "check");
  EXPECT_EQ(cons->as_array()[0].find("definition")->as_string().rfind("CHECK ((profit > ", 0), 0u);
  EXPECT_EQ(
      json::to_canonical(cons->as_array()[1]),
      R"({"columns":["user_id"],"deferrable":false,"deferred":false,"name":"pnl_user_fk",)"
      R"("on_delete":"cascade","on_update":"no action","references":{"columns":["id"],"table":"users"},)"
      R"("type":"foreign key"})");
  EXPECT_EQ(json::to_canonical(*pg->find("indexes")),
            R"j([{"definition":"CREATE INDEX pnl_lower_note ON public.pnl USING btree (lower(note))",)j"
            R"("name":"pnl_lower_note"},{"columns":["note"],"name":"pnl_note_u","unique":true},)"
            R"({"columns":["user_id","id"],"name":"pnl_user_ts","unique":false}])");
  EXPECT_EQ(json::to_canonical(*users.schema.detail.find("postgresql")->find("constraints")),
            R"([{"columns":["email"],"name":"users_email_key","type":"unique"}])");
  auto pnl_rows = scan(*store_, pnl);
  auto user_rows = scan(*store_, users);

  // An empty replica: pnl is created before the users table it references,
  // and its rows are written first.
  auto replica_url = fresh_postgres_database();
  ASSERT_TRUE(replica_url.has_value());
  auto replica = open_store(*replica_url, dir_.path());
  ASSERT_TRUE(replica.has_value());
  auto write_rows = [&](StoreTxn& txn, const CollectionInfo& info,
                        const std::map<std::string, std::string>& rows) {
    std::vector<Change> changes;
    for (const auto& [k, d] : rows) {
      Change& c = changes.emplace_back();
      c.key.encoding = k;
      c.doc_text = d;
    }
    auto st = txn.apply(info, changes);
    ASSERT_TRUE(st.has_value()) << st.error().message;
  };
  std::vector<std::string> warnings;
  {
    auto txn = begin(**replica, TxnMode::kWrite);
    ASSERT_TRUE(txn->create_collection(pnl, {}).has_value());
    ASSERT_TRUE(txn->create_collection(users, {}).has_value());
    write_rows(*txn, pnl, pnl_rows);
    write_rows(*txn, users, user_rows);
    warnings = txn->take_warnings();
    auto st = txn->commit();
    ASSERT_TRUE(st.has_value()) << st.error().message;
  }
  std::string all;
  for (const auto& w : warnings) all += w + "\n";
  EXPECT_NE(all.find("check constraint 'pnl_profit_check'"), std::string::npos) << all;
  EXPECT_NE(all.find("index 'pnl_lower_note'"), std::string::npos) << all;
  // The replica has the portable ones, the foreign key validated …
  auto check = [&](const std::string& cond) {
    EXPECT_TRUE(postgres_holds(*replica_url, cond).has_value()) << cond;
  };
  check("(SELECT convalidated FROM pg_constraint WHERE conname = 'pnl_user_fk' AND confdeltype = 'c')");
  check("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'users_email_key' AND contype = 'u')");
  check("(SELECT indisunique FROM pg_index WHERE indexrelid = 'pnl_note_u'::regclass)");
  check("EXISTS (SELECT 1 FROM pg_class WHERE relname = 'pnl_user_ts')");
  check("NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'pnl_lower_note')");
  check("NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'pnl_profit_check')");
  // … enforced, and both replicas report the same schema.json.
  EXPECT_FALSE(postgres_exec(*replica_url, "INSERT INTO pnl VALUES (12, 99, 'x', 1)").has_value());
  auto replica_cat = catalog(**replica);
  ASSERT_EQ(replica_cat.collections.size(), 2u);
  EXPECT_EQ(replica_cat.collections[0].schema.to_json(), pnl.schema.to_json());
  EXPECT_EQ(replica_cat.collections[1].schema.to_json(), users.schema.to_json());
  EXPECT_EQ(scan(**replica, replica_cat.collections[0]), pnl_rows);
}

TEST_F(PostgresStore, AForeignKeyTheRowsViolateStaysNotValidAndTheImportCommits) {
  sql(R"(CREATE TABLE users (id int PRIMARY KEY);
        CREATE TABLE pnl (id int PRIMARY KEY, user_id int REFERENCES users (id)))");
  auto cat = catalog(*store_);
  auto replica_url = fresh_postgres_database();
  ASSERT_TRUE(replica_url.has_value());
  auto replica = open_store(*replica_url, dir_.path());
  ASSERT_TRUE(replica.has_value());
  auto txn = begin(**replica, TxnMode::kWrite);
  ASSERT_TRUE(txn->create_collection(cat.collections[0], {}).has_value());
  ASSERT_TRUE(txn->create_collection(cat.collections[1], {}).has_value());
  json::Value d = *json::parse(R"({"id":1,"user_id":7})");
  ASSERT_TRUE(txn->apply(cat.collections[0], {{Change::Op::kInsert, *parse_key("[1]", 1), &d}}).has_value());
  auto st = txn->commit();
  ASSERT_TRUE(st.has_value()) << st.error().message;
  txn.reset();
  auto ok = postgres_holds(*replica_url,
                           "NOT (SELECT convalidated FROM pg_constraint WHERE conname = 'pnl_user_id_fkey')");
  EXPECT_TRUE(ok.has_value()) << "validated: " << ok.error().message;
  // Still enforced for new rows.
  EXPECT_FALSE(postgres_exec(*replica_url, "INSERT INTO pnl VALUES (2, 8)").has_value());
}

// A table the import creates gets its rows before its primary key (here a
// text one), UNIQUE constraints and indexes, built once from all rows; what
// users see is the same: the catalog reports the key meanwhile, updates and
// lookups in the same transaction find rows, and the committed table has
// all of them, enforced.
TEST_F(PostgresStore, ATableCreatedByTheImportEndsUpWithItsKeysAndIndexes) {
  sql(R"(CREATE TABLE users (id text PRIMARY KEY, email text NOT NULL, team int, note text,
          CONSTRAINT users_email_key UNIQUE (email));
        CREATE INDEX users_team ON users (team, id);
        CREATE UNIQUE INDEX users_note_u ON users (note))");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 1u);
  const CollectionInfo& users = cat.collections[0];
  auto replica_url = fresh_postgres_database();
  ASSERT_TRUE(replica_url.has_value());
  auto replica = open_store(*replica_url, dir_.path());
  ASSERT_TRUE(replica.has_value());
  {
    auto txn = begin(**replica, TxnMode::kWrite);
    ASSERT_TRUE(txn->create_collection(users, {}).has_value());
    auto mid = txn->catalog(Config{});
    ASSERT_TRUE(mid.has_value()) << mid.error().message;
    ASSERT_EQ(mid->collections.size(), 1u);
    EXPECT_EQ(mid->collections[0].schema.to_json(), users.schema.to_json());
    std::vector<Change> inserts;
    std::vector<std::string> docs;
    for (int i = 1; i <= 3000; ++i) {
      docs.push_back("{\"email\":\"u" + std::to_string(i) + "@x\",\"id\":\"k" + std::to_string(i) +
                     "\",\"note\":\"n" + std::to_string(i) + "\",\"team\":" + std::to_string(i % 7) + "}");
    }
    for (int i = 0; i < 3000; ++i) {
      Change& c = inserts.emplace_back();
      c.key.encoding = "[\"k" + std::to_string(i + 1) + "\"]";
      c.doc_text = docs[static_cast<size_t>(i)];
    }
    auto st = txn->apply(users, inserts);
    ASSERT_TRUE(st.has_value()) << st.error().message;
    json::Value upd = *json::parse(R"({"email":"two@x","id":"k2","note":"n2","team":9})");
    st = txn->apply(users, {{Change::Op::kUpdate, *parse_key(R"(["k2"])", 1), &upd},
                            {Change::Op::kDelete, *parse_key(R"(["k3"])", 1)}});
    ASSERT_TRUE(st.has_value()) << st.error().message;
    std::map<size_t, std::string> found;
    st = txn->lookup(users, {*parse_key(R"(["k2"])", 1), *parse_key(R"(["k3"])", 1)},
                     [&](size_t i, std::string_view doc) -> Status {
                       found[i] = std::string(doc);
                       return {};
                     });
    ASSERT_TRUE(st.has_value()) << st.error().message;
    EXPECT_EQ(found,
              (std::map<size_t, std::string>{{0, R"({"email":"two@x","id":"k2","note":"n2","team":9})"}}));
    st = txn->commit();
    ASSERT_TRUE(st.has_value()) << st.error().message;
  }
  auto check = [&](const std::string& cond) {
    EXPECT_TRUE(postgres_holds(*replica_url, cond).has_value()) << cond;
  };
  check("EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'p')");
  check("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'users_email_key' AND contype = 'u')");
  check("(SELECT indisunique FROM pg_index WHERE indexrelid = 'users_note_u'::regclass)");
  check("(SELECT NOT indisunique FROM pg_index WHERE indexrelid = 'users_team'::regclass)");
  check("(SELECT count(*) FROM users) = 2999");
  // Enforced from then on.
  EXPECT_FALSE(postgres_exec(*replica_url, "INSERT INTO users VALUES ('k1', 'new@x', 0, 'new')").has_value());
  EXPECT_FALSE(postgres_exec(*replica_url, "INSERT INTO users VALUES ('k0', 'u1@x', 0, 'new')").has_value());
  EXPECT_FALSE(postgres_exec(*replica_url, "INSERT INTO users VALUES ('k0', 'new@x', 0, 'n1')").has_value());
  EXPECT_TRUE(postgres_exec(*replica_url, "INSERT INTO users VALUES ('k0', 'new@x', 0, 'new')").has_value());
  auto replica_cat = catalog(**replica);
  ASSERT_EQ(replica_cat.collections.size(), 1u);
  EXPECT_EQ(replica_cat.collections[0].schema.to_json(), users.schema.to_json());
}

// Keys the snapshot tells apart but PostgreSQL holds equal ([1] and [1.0]
// in an integer column), or records sharing a UNIQUE value, fail the
// import of a table it creates, naming the key; nothing is left behind.
TEST_F(PostgresStore, DuplicateKeysInATableTheImportCreatesFailNamingTheKey) {
  sql(R"(CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, CONSTRAINT users_email_key UNIQUE (email)))");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 1u);
  const CollectionInfo& users = cat.collections[0];
  struct Case {
    const char* key2;
    const char* doc2;
    const char* named;
  };
  for (const Case& c : {Case{"[1.0]", R"({"email":"b@x","id":1.0})", "Key (id)=(1)"},
                        Case{"[2]", R"({"email":"a@x","id":2})", "Key (email)=(a@x)"}}) {
    auto replica_url = fresh_postgres_database();
    ASSERT_TRUE(replica_url.has_value());
    auto replica = open_store(*replica_url, dir_.path());
    ASSERT_TRUE(replica.has_value());
    {
      auto txn = begin(**replica, TxnMode::kWrite);
      ASSERT_TRUE(txn->create_collection(users, {}).has_value());
      std::vector<Change> inserts(2);
      inserts[0].key.encoding = "[1]";
      inserts[0].doc_text = R"({"email":"a@x","id":1})";
      inserts[1].key.encoding = c.key2;
      inserts[1].doc_text = c.doc2;
      Status st = txn->apply(users, inserts);
      // The import reads the table back before it commits; either fails.
      if (st) st = txn->scan(users, [](std::string_view, std::string_view) -> Status { return {}; });
      if (st) st = txn->commit();
      ASSERT_FALSE(st.has_value()) << c.named;
      EXPECT_EQ(st.error().code, ErrorCode::kBadInput);
      EXPECT_NE(st.error().message.find(c.named), std::string::npos) << st.error().message;
      EXPECT_NE(st.error().message.find("nothing was written"), std::string::npos) << st.error().message;
    }
    auto left = postgres_exec(*replica_url, "SELECT 1 FROM users");
    EXPECT_FALSE(left.has_value()) << "the table was left behind";
  }
}

// A COPY statement the server refuses (here a column dropped after the
// import read the catalog) fails that apply(), naming the table and the
// column, and the transaction rolls back.
TEST_F(PostgresStore, ACopyTheServerRefusesFailsTheApply) {
  sql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')");
  auto cat = catalog(*store_);
  ASSERT_EQ(cat.collections.size(), 1u);
  {
    auto txn = begin(*store_, TxnMode::kWrite);
    auto mid = txn->catalog(Config{});
    ASSERT_TRUE(mid.has_value()) << mid.error().message;
    sql("ALTER TABLE t DROP COLUMN v");
    std::vector<Change> inserts(2);
    inserts[0].key.encoding = "[2]";
    inserts[0].doc_text = R"({"id":2,"v":"two"})";
    inserts[1].key.encoding = "[3]";
    inserts[1].doc_text = R"({"id":3,"v":"three"})";
    auto st = txn->apply(mid->collections[0], inserts);
    ASSERT_FALSE(st.has_value());
    EXPECT_NE(st.error().message.find("table 't'"), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("\"v\""), std::string::npos) << st.error().message;
  }
  auto rows = scan(*store_, catalog(*store_).collections.at(0));
  EXPECT_EQ(rows, (std::map<std::string, std::string>{{"[1]", R"({"id":1})"}}));
}

TEST_F(PostgresStore, CheckReachesTheServer) {
  auto st = store_->check();
  EXPECT_TRUE(st.has_value()) << st.error().message;
}

}  // namespace
}  // namespace dbsync::contract
