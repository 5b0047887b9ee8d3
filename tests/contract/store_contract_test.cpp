// The contract every Store passes (DESIGN §5, store/store.h): collections
// and keys, streaming records, lookups, atomic batches, exact types and
// hostile identifiers — through the Store interface only, so the same
// tests run against every store listed in store_targets.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>

#include "contract/store_targets.h"
#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/key.h"
#include "test_support/temp_dir.h"

namespace dbsync::contract {
namespace {

json::Value parse(const std::string& text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : json::Value();
}

CollectionInfo collection(const std::string& name, std::vector<std::string> key) {
  CollectionInfo info;
  info.name = name;
  info.schema.key = key;
  json::Array k;
  for (const auto& f : key) k.emplace_back(f);
  info.schema.detail = json::make_object({{"key", json::Value(std::move(k))}});
  return info;
}

class StoreContract : public ::testing::TestWithParam<StoreTarget> {
 protected:
  void SetUp() override {
    if (auto why = GetParam().unavailable()) GTEST_SKIP() << *why;
    auto store = GetParam().open(dir_.path());
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
  }

  std::unique_ptr<StoreTxn> begin(TxnMode mode) {
    auto txn = store_->begin(mode);
    EXPECT_TRUE(txn.has_value()) << txn.error().message;
    return txn ? std::move(*txn) : nullptr;
  }

  // Creates `info` and inserts `docs` in one committed transaction.
  void load(const CollectionInfo& info, const std::vector<std::string>& docs) {
    auto txn = begin(TxnMode::kWrite);
    ASSERT_TRUE(txn);
    std::vector<json::Value> values;
    std::vector<std::string> fields;
    for (const auto& d : docs) {
      values.push_back(parse(d));
      for (const auto& [f, v] : values.back().as_object()) {
        if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
      }
    }
    auto st = txn->create_collection(info, fields);
    ASSERT_TRUE(st.has_value()) << st.error().message;
    std::vector<Change> changes;
    for (const auto& v : values) {
      auto key = key_encoding(v, info.key());
      ASSERT_TRUE(key.has_value());
      auto ref = parse_key(*key, info.key().size());
      ASSERT_TRUE(ref.has_value());
      changes.push_back({Change::Op::kInsert, *ref, &v});
    }
    st = txn->apply(info, changes);
    ASSERT_TRUE(st.has_value()) << st.error().message;
    ASSERT_TRUE(txn->commit().has_value());
  }

  // key encoding -> canonical document, as a scan returns them.
  std::map<std::string, std::string> scan(const CollectionInfo& info) {
    std::map<std::string, std::string> out;
    auto txn = begin(TxnMode::kRead);
    if (!txn) return out;
    auto st = txn->scan(info, [&](std::string_view key, std::string_view doc) -> Status {
      EXPECT_TRUE(out.emplace(std::string(key), std::string(doc)).second) << "key twice: " << key;
      return {};
    });
    EXPECT_TRUE(st.has_value()) << st.error().message;
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, EmptyDatabaseHasNoCollections) {
  auto txn = begin(TxnMode::kWrite);
  ASSERT_TRUE(txn);
  auto catalog = txn->catalog(Config{});
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
  EXPECT_TRUE(catalog->collections.empty());
}

TEST_P(StoreContract, CatalogListsCreatedCollectionsWithTheirKeys) {
  load(collection("pnl", {"user", "ts"}), {R"({"profit":1.5,"ts":"2026-01-15T10:30:45Z","user":"t1"})"});
  load(collection("users", {"id"}), {R"({"id":1,"name":"a"})"});
  auto txn = begin(TxnMode::kRead);
  auto catalog = txn->catalog(Config{});
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
  ASSERT_EQ(catalog->collections.size(), 2u);
  EXPECT_EQ(catalog->collections[0].name, "pnl");
  EXPECT_EQ(catalog->collections[0].key(), (std::vector<std::string>{"user", "ts"}));
  EXPECT_EQ(catalog->collections[1].name, "users");
  EXPECT_EQ(catalog->collections[1].key(), std::vector<std::string>{"id"});
  ASSERT_NE(catalog->find("pnl"), nullptr);
  EXPECT_EQ(catalog->find("nope"), nullptr);
}

TEST_P(StoreContract, ScanStreamsCanonicalDocumentsWithTheirKeyEncodings) {
  auto info = collection("t", {"id"});
  std::vector<std::string> docs;
  for (int i = 0; i < 500; ++i) {
    docs.push_back("{\"id\":" + std::to_string(i) + ",\"note\":\"n" + std::to_string(i) +
                   "\",\"v\":" + std::to_string(i * 3) + "}");
  }
  load(info, docs);
  auto got = scan(info);
  ASSERT_EQ(got.size(), 500u);
  for (const auto& d : docs) {
    auto key = key_encoding(parse(d), {"id"});
    ASSERT_TRUE(got.count(*key)) << *key;
    EXPECT_EQ(got[*key], d);
  }
}

TEST_P(StoreContract, LookupReportsOnlyKeysThatExist) {
  auto info = collection("t", {"a", "b"});
  load(info, {R"({"a":"x","b":1,"v":10})", R"({"a":"x","b":2,"v":20})"});
  auto txn = begin(TxnMode::kRead);
  std::vector<KeyRef> keys;
  for (const char* k : {R"(["x",2])", R"(["y",1])", R"(["x",1])"}) keys.push_back(*parse_key(k, 2));
  std::map<size_t, std::string> found;
  auto st = txn->lookup(info, keys, [&](size_t i, std::string_view doc) -> Status {
    found[i] = std::string(doc);
    return {};
  });
  ASSERT_TRUE(st.has_value()) << st.error().message;
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], R"({"a":"x","b":2,"v":20})");
  EXPECT_EQ(found[2], R"({"a":"x","b":1,"v":10})");
}

TEST_P(StoreContract, AppliesInsertsUpdatesAndDeletes) {
  auto info = collection("t", {"id"});
  load(info, {R"({"id":1,"v":"one"})", R"({"id":2,"v":"two"})", R"({"id":3,"v":"three"})"});
  auto txn = begin(TxnMode::kWrite);
  json::Value upd = parse(R"({"id":2,"v":"TWO"})"), ins = parse(R"({"id":4,"v":"four"})");
  std::vector<Change> changes = {{Change::Op::kDelete, *parse_key("[1]", 1), nullptr},
                                 {Change::Op::kUpdate, *parse_key("[2]", 1), &upd},
                                 {Change::Op::kInsert, *parse_key("[4]", 1), &ins}};
  ASSERT_TRUE(txn->apply(info, changes).has_value());
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  EXPECT_EQ(scan(info), (std::map<std::string, std::string>{{"[2]", R"({"id":2,"v":"TWO"})"},
                                                            {"[3]", R"({"id":3,"v":"three"})"},
                                                            {"[4]", R"({"id":4,"v":"four"})"}}));
}

TEST_P(StoreContract, AFailingBatchLeavesNothingBehindAfterRollback) {
  auto info = collection("t", {"id"});
  load(info, {R"({"id":1,"v":"one"})"});
  auto before = scan(info);
  {
    auto txn = begin(TxnMode::kWrite);
    json::Value a = parse(R"({"id":5,"v":"five"})"), dup = parse(R"({"id":1,"v":"again"})");
    json::Value upd = parse(R"({"id":1,"v":"changed"})");
    std::vector<Change> changes = {{Change::Op::kInsert, *parse_key("[5]", 1), &a},
                                   {Change::Op::kUpdate, *parse_key("[1]", 1), &upd},
                                   {Change::Op::kInsert, *parse_key("[1]", 1), &dup}};
    EXPECT_FALSE(txn->apply(info, changes).has_value());
    // Destroyed without commit: rolled back.
  }
  EXPECT_EQ(scan(info), before);
}

TEST_P(StoreContract, UncommittedWritesAreNotVisibleAfterwards) {
  auto info = collection("t", {"id"});
  load(info, {R"({"id":1,"v":"one"})"});
  {
    auto txn = begin(TxnMode::kWrite);
    json::Value ins = parse(R"({"id":2,"v":"two"})");
    ASSERT_TRUE(txn->apply(info, {{Change::Op::kInsert, *parse_key("[2]", 1), &ins}}).has_value());
  }
  EXPECT_EQ(scan(info).size(), 1u);
}

TEST_P(StoreContract, TypesRoundTripExactly) {
  auto info = collection("types", {"k"});
  std::vector<std::string> docs = {
      R"({"k":1,"v":9223372036854775807})",
      R"({"k":2,"v":-9223372036854775808})",
      R"({"k":3,"v":1.0})",
      R"({"k":4,"v":-0.0})",
      R"({"k":5,"v":0.1})",
      R"({"k":6,"v":1.7976931348623157e+308})",
      R"({"k":7,"v":5e-324})",
      R"({"k":8,"v":"São José, Straße, 東京, 🎉"})",
      R"({"k":9,"v":"nul\u0000inside, quote\" backslash\\ tab\t"})",
      R"({"k":10,"v":""})",
      R"({"k":11,"v":null})",
      R"({"k":12,"v":{"$binary":{"base64":"AAEC/f7/","subType":"00"}}})",
      R"({"k":13,"v":{"$binary":{"base64":"","subType":"00"}}})",
      R"({"k":14,"v":9007199254740993})",
      R"({"k":15,"v":{"$numberDouble":"Infinity"}})",
      R"({"k":16,"v":{"$numberDouble":"-Infinity"}})",
  };
  load(info, docs);
  auto got = scan(info);
  ASSERT_EQ(got.size(), docs.size());
  for (const auto& d : docs) {
    std::string canonical = json::to_canonical(parse(d));
    auto key = key_encoding(parse(d), {"k"});
    EXPECT_EQ(got[*key], canonical);
  }
}

TEST_P(StoreContract, KeysOfEveryKindFindTheirRecords) {
  auto info = collection("keys", {"s", "n"});
  std::vector<std::string> docs = {R"({"n":-1,"s":"","v":1})",
                                   R"({"n":9223372036854775807,"s":"a\"b","v":2})",
                                   R"({"n":0,"s":"ü","v":3})", R"({"n":1.5,"s":"x","v":4})"};
  load(info, docs);
  auto txn = begin(TxnMode::kRead);
  std::vector<KeyRef> keys;
  for (const auto& d : docs) keys.push_back(*parse_key(*key_encoding(parse(d), info.key()), 2));
  size_t found = 0;
  auto st = txn->lookup(info, keys, [&](size_t i, std::string_view doc) -> Status {
    EXPECT_EQ(doc, docs[i]);
    ++found;
    return {};
  });
  ASSERT_TRUE(st.has_value()) << st.error().message;
  EXPECT_EQ(found, docs.size());
}

TEST_P(StoreContract, HostileFieldNamesAreDataNotCode) {
  std::vector<std::string> names = {
      "a\"b",  "x\"); DROP TABLE t; --", "[col]", "`tick`", "it's", "with space", "ümlaut", "semi;colon",
      "\\back"};
  auto info = collection("hostile", {"x\"); DROP TABLE t; --"});
  json::Value doc = json::Value(json::Object{});
  for (size_t i = 0; i < names.size(); ++i) doc.set(names[i], json::Value(static_cast<int64_t>(i)));
  load(info, {json::to_canonical(doc)});
  load(collection("t", {"id"}), {R"({"id":1})"});
  auto got = scan(info);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->second, json::to_canonical(doc));
  EXPECT_EQ(scan(collection("t", {"id"})).size(), 1u);
}

TEST_P(StoreContract, RejectsCollectionNamesThatAreNotPlain) {
  auto txn = begin(TxnMode::kWrite);
  for (const char* bad : {"../x", "a\"b", "a b", ".hidden", "x;DROP TABLE y", ""}) {
    auto st = txn->create_collection(collection(bad, {"id"}), {"id"});
    ASSERT_FALSE(st.has_value()) << bad;
    EXPECT_EQ(st.error().code, ErrorCode::kBadInput) << bad;
  }
}

TEST_P(StoreContract, PreviewPredictsHowTheStoreHoldsADocument) {
  auto info = collection("p", {"id"});
  load(info, {R"({"a":1,"b":true,"c":[1,2],"id":1})"});
  auto got = scan(info);
  auto txn = begin(TxnMode::kWrite);
  auto preview = txn->preview(info, parse(R"({"a":1,"b":true,"c":[1,2],"id":1})"));
  ASSERT_TRUE(preview.has_value()) << preview.error().message;
  EXPECT_EQ(*preview, got["[1]"]);
  if (GetParam().missing_reads_as_null) {
    auto p2 = txn->preview(info, parse(R"({"id":2})"));
    ASSERT_TRUE(p2.has_value());
    EXPECT_EQ(*p2, R"({"a":null,"b":null,"c":null,"id":2})");
  }
}

TEST_P(StoreContract, AddsFieldsTheCollectionHasNotSeenYet) {
  auto info = collection("t", {"id"});
  load(info, {R"({"id":1,"v":1})"});
  auto txn = begin(TxnMode::kWrite);
  json::Value ins = parse(R"({"extra":"kept","id":2,"v":2})");
  auto st = txn->apply(info, {{Change::Op::kInsert, *parse_key("[2]", 1), &ins}});
  ASSERT_TRUE(st.has_value()) << st.error().message;
  ASSERT_TRUE(txn->commit().has_value());
  txn.reset();
  auto got = scan(info);
  EXPECT_EQ(got["[2]"], R"({"extra":"kept","id":2,"v":2})");
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, ::testing::ValuesIn(store_targets()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace dbsync::contract
