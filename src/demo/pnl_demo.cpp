#include "demo/pnl_demo.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <random>

#include "git/git.h"
#include "json/parse.h"
#include "sync/init.h"
#include "util/process.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSchema =
    "CREATE TABLE pnl_data (user_id INTEGER NOT NULL, user_name TEXT, timestamp TEXT NOT NULL, "
    "ticker TEXT NOT NULL, profit_usd REAL, profit_sol REAL, note TEXT, "
    "PRIMARY KEY (user_id, timestamp, ticker))";

class Demo {
 public:
  explicit Demo(const DemoOptions& options) : options_(options) {
    exe_ = options.executable.empty() ? current_executable() : options.executable;
  }

  void say(const std::string& s) const {
    if (options_.print) options_.print(s);
  }

  // Runs the real dbsync with argv; its output is part of the narration.
  Result<std::string> dbsync(const fs::path& replica, std::vector<std::string> args, bool show = true) {
    std::vector<std::string> argv{exe_};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-C", replica.string()});
    auto r = run_process(argv);
    if (!r) return std::unexpected(r.error());
    if (r->exit_code != 0) {
      return fail(ErrorCode::kConflict, fmt::format("'dbsync {}' in {} exited {}: {}", args[0],
                                                    replica.filename().string(), r->exit_code, r->err));
    }
    if (show) say(r->out);
    return r->out;
  }

  Status sql(const fs::path& db, const std::string& statement) {
    sqlite3* handle = nullptr;
    if (sqlite3_open(db.c_str(), &handle) != SQLITE_OK) {
      sqlite3_close(handle);
      return fail(ErrorCode::kUnavailable, "cannot open '" + db.string() + "'");
    }
    char* err = nullptr;
    int rc = sqlite3_exec(handle, statement.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(handle);
    if (rc != SQLITE_OK) return fail(ErrorCode::kUnavailable, "sqlite: " + msg);
    return {};
  }

  Result<int64_t> count(const fs::path& db) { return query_int(db, "SELECT count(*) FROM pnl_data"); }

  Result<int64_t> query_int(const fs::path& db, const std::string& q) {
    sqlite3* handle = nullptr;
    if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(handle);
      return fail(ErrorCode::kUnavailable, "cannot open '" + db.string() + "'");
    }
    sqlite3_stmt* stmt = nullptr;
    int64_t value = -1;
    if (sqlite3_prepare_v2(handle, q.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
    return value;
  }

  static std::string pnl_insert(int n, int user, const std::string& day, int seq, std::mt19937& rng) {
    static const char* kTickers[] = {"SOL", "BONK", "JUP", "WIF", "PYTH"};
    std::string out;
    for (int i = 0; i < n; ++i) {
      int s = seq + i;
      out += fmt::format(
          "INSERT INTO pnl_data VALUES ({}, 'trader{}', '{}T{:02}:{:02}:{:02}Z', '{}', {:.2f}, {:.4f}, "
          "'trade {}');\n",
          user + s % 5, user + s % 5, day, 8 + s / 3600 % 12, s / 60 % 60, s % 60, kTickers[s % 5],
          static_cast<double>(rng() % 20000) / 100.0 - 100.0, static_cast<double>(rng() % 20000) / 10000.0,
          s);
    }
    return out;
  }

  // A bare remote, asset1 with 190 records synced to it, asset2 cloned and
  // synced: the common starting point of every scenario.
  Result<std::pair<fs::path, fs::path>> fresh_pair(const fs::path& dir) {
    fs::create_directories(dir);
    fs::path remote = dir / "remote.git";
    if (auto r = run_process({"git", "init", "-q", "--bare", remote.string()}); !r || r->exit_code != 0) {
      return fail(ErrorCode::kUnavailable, "cannot create the bare remote");
    }
    std::mt19937 rng(7);
    std::pair<fs::path, fs::path> pair{dir / "asset1", dir / "asset2"};
    for (const auto& [replica, name] : {std::pair{pair.first, "asset1"}, std::pair{pair.second, "asset2"}}) {
      if (auto r = run_process({"git", "clone", "-q", remote.string(), replica.string()});
          !r || r->exit_code != 0) {
        return fail(ErrorCode::kUnavailable, "cannot clone the remote");
      }
      git::Git git(replica);
      for (auto kv : {std::pair{"user.name", name}, std::pair{"user.email", "bot@example.com"}}) {
        if (auto r = git.run({"config", kv.first, kv.second}); !r) return std::unexpected(r.error());
      }
      if (auto st = sql(replica / "bot.db", kSchema); !st) return std::unexpected(st.error());
      if (replica == pair.first) {
        if (auto st =
                sql(replica / "bot.db", "BEGIN;" + pnl_insert(190, 1, "2026-01-15", 0, rng) + "COMMIT;");
            !st) {
          return std::unexpected(st.error());
        }
      }
      if (auto r = dbsync(replica, {"init", "--db", "sqlite:bot.db", "--replica", name}, false); !r) {
        return std::unexpected(r.error());
      }
      // The database file is the application's; only the snapshot travels.
      if (auto st = sql(replica / "bot.db", "SELECT 1"); !st) return std::unexpected(st.error());
      if (auto r = run_process({"sh", "-c", "echo /bot.db >> .gitignore", "demo"}, {.cwd = replica}); !r) {
        return std::unexpected(r.error());
      }
      if (auto r = dbsync(replica, {"sync", "-q"}, false); !r) return std::unexpected(r.error());
    }
    return pair;
  }

  Status expect(bool ok, const std::string& claim) {
    say(fmt::format("  {} {}\n", ok ? "ok:" : "FAILED:", claim));
    if (!ok) return fail(ErrorCode::kConflict, "demo check failed: " + claim);
    return {};
  }

  Result<std::string> root_hash(const fs::path& replica) {
    auto out = dbsync(replica, {"verify", "--json"}, false);
    if (!out) return std::unexpected(out.error());
    std::string_view text = *out;
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    auto v = json::parse(text);
    if (!v || v->find("root_hash") == nullptr)
      return fail(ErrorCode::kInternal, "verify --json gave no root hash");
    return v->find("root_hash")->as_string();
  }

  Status compare(const fs::path& a, const fs::path& b, int64_t want) {
    auto ca = count(a / "bot.db"), cb = count(b / "bot.db");
    auto ha = root_hash(a), hb = root_hash(b);
    if (!ca || !cb) return std::unexpected(!ca ? ca.error() : cb.error());
    if (!ha || !hb) return std::unexpected(!ha ? ha.error() : hb.error());
    say(fmt::format("  asset1: {} records, root hash {}\n  asset2: {} records, root hash {}\n", *ca, *ha, *cb,
                    *hb));
    if (auto st = expect(*ca == want && *cb == want, fmt::format("both databases hold {} records", want));
        !st)
      return st;
    return expect(*ha == *hb, "both replicas have the same root hash");
  }

  Status scenario1(const fs::path& dir) {
    say("\n=== Scenario 1: asset1 grows from 190 to 195 records; asset2 syncs ===\n");
    auto pair = fresh_pair(dir);
    if (!pair) return std::unexpected(pair.error());
    auto [a, b] = *pair;
    std::mt19937 rng(11);
    if (auto st = sql(a / "bot.db", pnl_insert(5, 1, "2026-01-16", 0, rng)); !st) return st;
    say("$ (asset1) dbsync sync\n");
    if (auto r = dbsync(a, {"sync"}); !r) return std::unexpected(r.error());
    say("$ (asset2) dbsync sync\n");
    if (auto r = dbsync(b, {"sync"}); !r) return std::unexpected(r.error());
    return compare(a, b, 195);
  }

  Status scenario2(const fs::path& dir) {
    say("\n=== Scenario 2: both at 190; asset1 adds 3, asset2 adds 2; both sync ===\n");
    auto pair = fresh_pair(dir);
    if (!pair) return std::unexpected(pair.error());
    auto [a, b] = *pair;
    std::mt19937 rng(13);
    if (auto st = sql(a / "bot.db", pnl_insert(3, 1, "2026-01-17", 0, rng)); !st) return st;
    if (auto st = sql(b / "bot.db", pnl_insert(2, 1, "2026-01-17", 100, rng)); !st) return st;
    say("$ (asset1) dbsync sync\n");
    if (auto r = dbsync(a, {"sync", "-q"}); !r) return std::unexpected(r.error());
    say("$ (asset2) dbsync sync\n");
    if (auto r = dbsync(b, {"sync"}); !r) return std::unexpected(r.error());
    say("$ (asset1) dbsync sync\n");
    if (auto r = dbsync(a, {"sync", "-q"}); !r) return std::unexpected(r.error());
    if (auto st = compare(a, b, 195); !st) return st;
    auto dups = query_int(a / "bot.db",
                          "SELECT count(*) FROM (SELECT 1 FROM pnl_data GROUP BY user_id, timestamp, ticker "
                          "HAVING count(*) > 1)");
    if (!dups) return std::unexpected(dups.error());
    return expect(*dups == 0, "no duplicates");
  }

  Status scenario3(const fs::path& dir) {
    say("\n=== Scenario 3: both change the same trader's profit differently ===\n");
    auto pair = fresh_pair(dir);
    if (!pair) return std::unexpected(pair.error());
    auto [a, b] = *pair;
    const std::string where = " WHERE user_id = 1 AND ticker = 'SOL' AND timestamp = '2026-01-15T08:00:00Z'";
    if (auto st = sql(a / "bot.db", "UPDATE pnl_data SET profit_usd = 150.25" + where); !st) return st;
    say("$ (asset1) dbsync sync        # asset1 sets the profit to 150.25\n");
    if (auto r = dbsync(a, {"sync", "-q"}); !r) return std::unexpected(r.error());
    if (auto st = sql(b / "bot.db", "UPDATE pnl_data SET profit_usd = 175.5" + where); !st) return st;
    say("$ (asset2) dbsync sync        # asset2, later, sets it to 175.50\n");
    auto report = dbsync(b, {"sync"});
    if (!report) return std::unexpected(report.error());
    say("$ (asset1) dbsync sync\n");
    if (auto r = dbsync(a, {"sync", "-q"}); !r) return std::unexpected(r.error());
    if (auto st = compare(a, b, 190); !st) return st;
    auto pa = query_int(a / "bot.db", "SELECT CAST(profit_usd * 100 AS INTEGER) FROM pnl_data" + where);
    auto pb = query_int(b / "bot.db", "SELECT CAST(profit_usd * 100 AS INTEGER) FROM pnl_data" + where);
    if (!pa || !pb) return std::unexpected(!pa ? pa.error() : pb.error());
    if (auto st = expect(*pa == 17550 && *pb == 17550, "both hold the newer profit, 175.50"); !st) return st;
    return expect(report->find("Conflicts resolved: 1") != std::string::npos &&
                      report->find("profit_usd") != std::string::npos,
                  "the report lists the conflict");
  }

  Result<DemoResult> run() {
    DemoResult result;
    result.dir = options_.dir;
    if (result.dir.empty()) {
      std::random_device rd;
      result.dir = fs::temp_directory_path() / fmt::format("dbsync-demo-{:08x}", rd());
    }
    say(fmt::format(
        "dbsync demo in {}\nreplicas asset1 and asset2 share one bare git remote; each has its own "
        "SQLite database bot.db\n",
        result.dir.string()));
    Status st = scenario1(result.dir / "scenario1");
    if (st) ++result.scenarios_passed, st = scenario2(result.dir / "scenario2");
    if (st) ++result.scenarios_passed, st = scenario3(result.dir / "scenario3");
    if (st) ++result.scenarios_passed;
    if (!options_.keep && st) {
      std::error_code ec;
      fs::remove_all(result.dir, ec);
    }
    if (!st)
      return std::unexpected(std::move(st.error()).context("kept '" + result.dir.string() + "' for a look"));
    say(fmt::format("\nall {} scenarios passed\n", result.scenarios_passed));
    return result;
  }

 private:
  DemoOptions options_;
  std::string exe_;
};

}  // namespace

Result<DemoResult> run_demo(const DemoOptions& options) { return Demo(options).run(); }

}  // namespace dbsync
