// Micro-benchmarks of one record line (about 280 bytes, PNL-like): the
// split + full check that verify and merge run per line, the same plus
// building the json::Value, and simdjson-backed json::parse alone for scale.
// Run: build/bench/snapshot_line_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "json/canonical.h"
#include "json/parse.h"
#include "snapshot/key.h"
#include "snapshot/record_line.h"

namespace dbsync {
namespace {

// 1024 different lines, so branch predictors and caches see varied input.
const std::vector<std::string>& lines() {
  static const std::vector<std::string> out = [] {
    std::vector<std::string> v;
    uint64_t x = 42;
    auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
    const char* tickers[] = {"SOL", "BONK", "WIF", "JUP", "PYTH", "RAY"};
    for (int i = 0; i < 1024; ++i) {
      int64_t user = static_cast<int64_t>(next() >> 33) % 5000;
      char ts[32];
      std::snprintf(ts, sizeof ts, "2026-01-%02dT%02d:%02d:%02dZ", 1 + i % 28, i % 24, i % 60, (i * 7) % 60);
      double usd = static_cast<double>(static_cast<int64_t>(next() >> 40) % 200000 - 90000) / 100.0;
      double sol =
          static_cast<double>(static_cast<int64_t>(next() >> 30) % 20000000000LL - 9000000000LL) / 1e9;
      json::Value doc = json::make_object(
          {{"id", json::Value(static_cast<int64_t>(i + 1))},
           {"user_id", json::Value(user)},
           {"user_name", json::Value("trader_" + std::to_string(user))},
           {"timestamp", json::Value(std::string(ts))},
           {"ticker", json::Value(tickers[i % 6])},
           {"profit_usd", json::Value(usd)},
           {"profit_sol", json::Value(sol)},
           {"note", json::Value(std::string("breakout swing short volume entry ") + std::to_string(i))}});
      std::string line;
      append_record_line(line, doc, "2026-01-15T10:30:45.000Z-0000-gen");
      line.pop_back();
      v.push_back(std::move(line));
    }
    return v;
  }();
  return out;
}

size_t total_bytes() {
  size_t n = 0;
  for (const auto& l : lines()) n += l.size() + 1;
  return n;
}

void BM_SplitAndCheckLine(benchmark::State& state) {
  const auto& ls = lines();
  std::vector<DocMember> members;
  std::string key;
  const std::vector<std::string> key_fields{"id"};
  size_t i = 0;
  for (auto _ : state) {
    const std::string& l = ls[i++ & 1023];
    auto parts = split_record_line(l);
    auto st = check_record_line(*parts, &members);
    auto k = key_encoding_from_members(key, members, key_fields);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(k);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes() / ls.size()));
}
BENCHMARK(BM_SplitAndCheckLine);

void BM_SplitAndValidateToValue(benchmark::State& state) {
  const auto& ls = lines();
  size_t i = 0;
  for (auto _ : state) {
    auto parts = split_record_line(ls[i++ & 1023]);
    auto doc = validate_record_line(*parts);
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes() / ls.size()));
}
BENCHMARK(BM_SplitAndValidateToValue);

void BM_JsonParseDocOnly(benchmark::State& state) {
  std::vector<std::string> docs;
  for (const auto& l : lines()) docs.emplace_back(split_record_line(l)->doc);
  size_t i = 0;
  for (auto _ : state) {
    auto doc = json::parse(docs[i++ & 1023]);
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonParseDocOnly);

void BM_SplitOnly(benchmark::State& state) {
  const auto& ls = lines();
  size_t i = 0;
  for (auto _ : state) {
    auto parts = split_record_line(ls[i++ & 1023]);
    benchmark::DoNotOptimize(parts);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SplitOnly);

}  // namespace
}  // namespace dbsync

BENCHMARK_MAIN();
