// gen_snapshot: writes a snapshot repository of PNL-like records (DESIGN §9)
// through the dbsync library, for benchmarks, tests and examples/.
//
// A fresh snapshot:
//   gen_snapshot --out DIR [--records N] [--shards S] [--seed S]
//                [--collection NAME] [--replica ID] [--rev REV]
//     Writes DIR/dbsync.toml (`shards` for the collection), DIR/dbsync/<NAME>/schema.json
//     (key ["id"]) and the shard files. Records have ids 1..N; each record's
//     content depends only on (seed, id), so a smaller N is a prefix of a
//     larger one. All records carry one rev (default
//     2026-01-15T10:30:45.000Z-0000-<replica>), as after one export.
//     Defaults: N 1000, shards 1, seed 1, collection pnl_data, replica gen.
//
// A modified copy ("ours" / "theirs" for the merge benchmark):
//   gen_snapshot --base DIR --out DIR2 --seed S [--change-fraction F]
//                [--update F] [--delete F] [--insert F] [--replica ID] [--rev REV]
//     Reads the snapshot at DIR (validating every line) and writes DIR2 with
//     the same configuration, where a fraction of the records changed:
//       --change-fraction F   shorthand for --update 0.6F --delete 0.2F --insert 0.2F
//       --update F   each base record is updated with probability F (profit_usd,
//                    profit_sol and note change; the record gets the new rev)
//       --delete F   each base record is deleted with probability F
//       --insert F   F x (base records) new records, ids from (seed+1) x 10^9 up,
//                    so copies made with different seeds insert different ids
//     Which records change depends only on (seed, id): two copies of one base
//     with different seeds (e.g. --seed 2 --replica ours, --seed 3 --replica
//     theirs) change mostly different records and a few of the same ones.
//     The default rev is 2026-01-16T10:30:45.000Z-0000-<replica>.
//
// Prints one line: records written, bytes and seconds. Exit 0, or 2 on a
// usage error, 3 on a bad base snapshot, 4 on I/O failure.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "json/canonical.h"
#include "json/value.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/record_line.h"
#include "snapshot/rev.h"
#include "snapshot/schema.h"
#include "snapshot/shard_reader.h"
#include "snapshot/shard_writer.h"
#include "util/file.h"

namespace dbsync {
namespace {

struct Options {
  std::string out;
  std::string base;
  uint64_t records = 1000;
  uint32_t shards = 1;
  uint64_t seed = 1;
  std::string collection = "pnl_data";
  std::string replica = "gen";
  std::string rev;
  double update = 0, del = 0, insert = 0;
};

// splitmix64: a fixed, portable generator (std:: distributions are not
// the same on every standard library).
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t id, uint64_t salt) : state_(mix(mix(seed) ^ mix(id + salt * 0x51ed27))) {}
  uint64_t next() { return state_ = mix(state_); }
  uint64_t below(uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

constexpr std::string_view kTickers[] = {"SOL",  "BONK", "WIF",    "JUP", "PYTH", "RAY",  "ORCA",
                                         "MNGO", "SAMO", "POPCAT", "MEW", "BOME", "JTO",  "TNSR",
                                         "HNT",  "RNDR", "MOBILE", "W",   "KMNO", "DRIFT"};
constexpr std::string_view kWords[] = {"scalp",   "breakout", "dip",   "long",  "short",  "swing",    "exit",
                                       "stop",    "target",   "hit",   "news",  "pump",   "reversal", "entry",
                                       "partial", "close",    "rebuy", "trend", "volume", "wick"};
// Some notes carry text that exercises escaping and UTF-8 in the validator.
constexpr std::string_view kExtras[] = {"caf\xc3\xa9", "\xf0\x9f\x9a\x80 moon", "\"quoted\"",
                                        "tab\there",   "\xe2\x82\xac gain",     "back\\slash"};

// Rounds to `decimals` places; dividing by the power of ten (not multiplying
// by 10^-k) gives the double nearest the decimal, which prints short.
double round_to(double v, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

std::string note_text(Rng& rng, bool edited) {
  std::string note;
  size_t words = 3 + rng.below(6);
  for (size_t i = 0; i < words; ++i) {
    if (i > 0) note += ' ';
    note += kWords[rng.below(std::size(kWords))];
  }
  if (rng.below(10) == 0) {
    note += ' ';
    note += kExtras[rng.below(std::size(kExtras))];
  }
  if (edited) note += " (edited)";
  return note;
}

// The record with this id, as generated for `seed`; `edit_seed` != 0 gives
// the updated version of it.
json::Value make_record(uint64_t seed, uint64_t id, uint64_t edit_seed) {
  Rng rng(seed, id, 1);
  int64_t user = static_cast<int64_t>(1 + rng.below(5000));
  int64_t when = 1768473045 + static_cast<int64_t>(id) * 37 + static_cast<int64_t>(rng.below(30));
  char ts[32];
  std::time_t t = when;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string_view ticker = kTickers[rng.below(std::size(kTickers))];
  double usd = round_to((rng.unit() - 0.45) * 2000.0, 2);
  double sol = round_to(usd / (120.0 + rng.unit() * 80.0), 9);
  std::string note = note_text(rng, false);
  if (edit_seed != 0) {
    Rng edit(edit_seed, id, 2);
    usd = round_to((edit.unit() - 0.45) * 2000.0, 2);
    sol = round_to(usd / (120.0 + edit.unit() * 80.0), 9);
    note = note_text(edit, true);
  }
  return json::make_object({{"id", json::Value(static_cast<int64_t>(id))},
                            {"user_id", json::Value(user)},
                            {"user_name", json::Value("trader_" + std::to_string(user))},
                            {"timestamp", json::Value(std::string(ts))},
                            {"ticker", json::Value(ticker)},
                            {"profit_usd", json::Value(usd)},
                            {"profit_sol", json::Value(sol)},
                            {"note", json::Value(std::move(note))}});
}

[[noreturn]] void die(const Error& e) {
  std::fprintf(stderr, "gen_snapshot: error: %s\n", e.message.c_str());
  if (!e.hint.empty()) std::fprintf(stderr, "try: %s\n", e.hint.c_str());
  std::exit(exit_code_of(e.code));
}

template <typename T>
T check(Result<T> r) {
  if (!r) die(r.error());
  return std::move(*r);
}
void check(Status st) {
  if (!st) die(st.error());
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "gen_snapshot: error: %s\n"
               "usage: gen_snapshot --out DIR [--records N] [--shards S] [--seed S] [--collection NAME]\n"
               "                    [--replica ID] [--rev REV]\n"
               "       gen_snapshot --base DIR --out DIR --seed S [--change-fraction F] [--update F]\n"
               "                    [--delete F] [--insert F] [--replica ID] [--rev REV]\n",
               why.c_str());
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  auto number = [&](const std::string& flag, const char* text) {
    char* end = nullptr;
    double v = std::strtod(text, &end);
    if (end == text || *end != '\0' || v < 0) usage("bad value for " + flag + ": '" + text + "'");
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("help");
    if (i + 1 >= argc) usage(flag + " needs a value");
    const char* v = argv[++i];
    if (flag == "--out")
      o.out = v;
    else if (flag == "--base")
      o.base = v;
    else if (flag == "--records")
      o.records = static_cast<uint64_t>(number(flag, v));
    else if (flag == "--shards")
      o.shards = static_cast<uint32_t>(number(flag, v));
    else if (flag == "--seed")
      o.seed = static_cast<uint64_t>(number(flag, v));
    else if (flag == "--collection")
      o.collection = v;
    else if (flag == "--replica")
      o.replica = v;
    else if (flag == "--rev")
      o.rev = v;
    else if (flag == "--update")
      o.update = number(flag, v);
    else if (flag == "--delete")
      o.del = number(flag, v);
    else if (flag == "--insert")
      o.insert = number(flag, v);
    else if (flag == "--change-fraction") {
      double f = number(flag, v);
      o.update = 0.6 * f;
      o.del = 0.2 * f;
      o.insert = 0.2 * f;
    } else {
      usage("unknown option " + flag);
    }
  }
  if (o.out.empty()) usage("--out is required");
  if (!is_valid_shard_count(o.shards)) usage("--shards must be a power of two from 1 to 4096");
  if (!is_valid_replica_id(o.replica)) usage("--replica must be 1-64 of [A-Za-z0-9._-]");
  check(check_collection_name(o.collection));
  if (o.update + o.del > 1) usage("--update plus --delete is more than 1");
  if (o.rev.empty()) {
    o.rev = std::string(o.base.empty() ? "2026-01-15" : "2026-01-16") + "T10:30:45.000Z-0000-" + o.replica;
  }
  if (!is_valid_rev(o.rev)) check(parse_rev(o.rev));
  return o;
}

// Starts the collection afresh, so no shard of an earlier run is left over.
void write_repo_files(const Options& o, const Config& config, const CollectionSchema& schema) {
  SnapshotLayout layout(o.out);
  std::error_code ec;
  std::filesystem::remove_all(layout.collection_dir(o.collection), ec);
  if (ec) usage("cannot clear '" + layout.collection_dir(o.collection).string() + "': " + ec.message());
  check(write_file_atomic(layout.repo() / kConfigFileName, render_config(config)));
  check(write_file_atomic(layout.schema_path(o.collection), schema.to_json()));
}

struct Totals {
  uint64_t records = 0, bytes = 0;
};

Totals generate_fresh(const Options& o) {
  Config config;
  CollectionConfig cc;
  cc.shards = o.shards;
  config.collections[o.collection] = cc;
  CollectionSchema schema;
  schema.key = {"id"};
  write_repo_files(o, config, schema);

  SnapshotLayout layout(o.out);
  std::vector<ShardWriter> writers(o.shards);
  std::string canonical;
  for (uint64_t id = 1; id <= o.records; ++id) {
    json::Value doc = make_record(o.seed, id, 0);
    std::string key = "[" + std::to_string(id) + "]";
    canonical.clear();
    json::append_canonical(canonical, doc);
    std::string line;
    append_record_line_canonical(line, canonical, o.rev);
    writers[shard_of(key, o.shards)].add_line(std::move(key), std::move(line));
  }
  Totals totals;
  for (uint32_t s = 0; s < o.shards; ++s) {
    auto bytes = check(writers[s].render());
    totals.records += writers[s].size();
    totals.bytes += bytes.size();
    auto path = layout.shard_path(o.collection, s, o.shards);
    check(bytes.empty() ? remove_file_durable(path) : write_file_atomic(path, bytes));
    writers[s] = ShardWriter();
  }
  return totals;
}

Totals generate_modified(const Options& o) {
  SnapshotLayout base(o.base);
  auto config = check(load_config(base.repo()));
  std::error_code ec;
  if (std::filesystem::equivalent(o.base, o.out, ec)) usage("--out must differ from --base");
  auto names = check(base.list_collections());
  if (std::find(names.begin(), names.end(), o.collection) == names.end()) {
    usage("no collection '" + o.collection + "' in '" + o.base + "'");
  }
  const uint32_t shards = config.collection(o.collection).shards;
  auto schema = check(load_schema(base.schema_path(o.collection), o.collection + "/schema.json"));
  if (schema.key != std::vector<std::string>{"id"}) usage("the base collection's key is not [\"id\"]");
  Options out = o;
  out.shards = shards;
  write_repo_files(out, config, schema);

  // Count base records (for the number of inserts) and bucket the inserts.
  uint64_t base_count = 0;
  for (uint32_t s = 0; s < shards; ++s) {
    auto path = base.shard_path(o.collection, s, shards);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    auto bytes = check(read_file(path));
    base_count += static_cast<uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  }
  auto inserts = static_cast<uint64_t>(std::llround(o.insert * static_cast<double>(base_count)));
  std::vector<std::vector<uint64_t>> insert_ids(shards);
  const uint64_t first_new = (o.seed + 1) * 1000000000ULL;
  for (uint64_t i = 0; i < inserts; ++i) {
    uint64_t id = first_new + i;
    insert_ids[shard_of("[" + std::to_string(id) + "]", shards)].push_back(id);
  }

  Totals totals;
  std::string canonical;
  for (uint32_t s = 0; s < shards; ++s) {
    ShardSpec spec{schema.key, s, shards, /*parse_docs=*/false};
    auto reader = check(ShardReader::open(base.shard_path(o.collection, s, shards),
                                          base.shard_label(o.collection, s, shards), spec));
    ShardWriter writer;
    for (;;) {
      if (!check(reader.next())) break;
      const ShardRecord& rec = reader.current();
      auto doc = check(parse_record_doc(rec.parts.doc));
      const json::Value* idv = doc.find("id");
      if (idv == nullptr || !idv->is_int()) usage("base record without an integer id at " + rec.key);
      auto id = static_cast<uint64_t>(idv->as_int());
      double u = Rng(o.seed, id, 3).unit();
      if (u < o.del) continue;
      if (u < o.del + o.update) {
        // Keeps the base's fields, changes the edited ones (the base may
        // come from another seed).
        json::Value edited = make_record(o.seed, id, o.seed + 0x5eed);
        for (const char* f : {"profit_usd", "profit_sol", "note"}) doc.set(f, *edited.find(f));
        writer.add(rec.key, doc, o.rev);
      } else {
        writer.add_line(rec.key, std::string(rec.line));
      }
    }
    for (uint64_t id : insert_ids[s]) {
      canonical.clear();
      json::append_canonical(canonical, make_record(o.seed, id, 0));
      std::string line;
      append_record_line_canonical(line, canonical, o.rev);
      writer.add_line("[" + std::to_string(id) + "]", std::move(line));
    }
    auto bytes = check(writer.render());
    totals.records += writer.size();
    totals.bytes += bytes.size();
    auto path = SnapshotLayout(o.out).shard_path(o.collection, s, shards);
    check(bytes.empty() ? remove_file_durable(path) : write_file_atomic(path, bytes));
  }
  return totals;
}

}  // namespace
}  // namespace dbsync

int main(int argc, char** argv) {
  using namespace dbsync;
  Options o = parse_args(argc, argv);
  auto start = std::chrono::steady_clock::now();
  Totals t = o.base.empty() ? generate_fresh(o) : generate_modified(o);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("gen_snapshot: wrote %llu records, %llu bytes to '%s' in %.2f s\n",
              static_cast<unsigned long long>(t.records), static_cast<unsigned long long>(t.bytes),
              o.out.c_str(), secs);
  return 0;
}
