// Test support for end-to-end sync tests: replicas made of a git clone of
// one bare remote plus an SQLite database, driven through the real dbsync
// binary (DBSYNC_BINARY) and the application's own SQL.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "json/parse.h"
#include "util/process.h"

namespace dbsync::e2e {

namespace fs = std::filesystem;

inline ProcessResult must_run(const std::vector<std::string>& argv, const fs::path& cwd = {}) {
  ProcessOptions opts;
  opts.cwd = cwd;
  auto r = run_process(argv, opts);
  EXPECT_TRUE(r.has_value());
  if (!r) return {};
  EXPECT_EQ(r->exit_code, 0) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << r->err;
  return *r;
}

class TestReplica {
 public:
  TestReplica(const fs::path& dir, const fs::path& remote, const std::string& name) : dir_(dir / name) {
    must_run({"git", "clone", "-q", remote.string(), dir_.string()});
    must_run({"git", "-C", dir_.string(), "config", "user.name", name});
    must_run({"git", "-C", dir_.string(), "config", "user.email", name + "@test"});
    exec("CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, owner TEXT, value INTEGER, note TEXT)");
    must_run({"sh", "-c", "echo /app.db >> .gitignore"}, dir_);
    dbsync({"init", "--db", "sqlite:app.db", "--replica", name});
  }

  // Adopts a replica folder made earlier (a copy of a template replica).
  explicit TestReplica(fs::path existing) : dir_(std::move(existing)) {}

  const fs::path& dir() const { return dir_; }

  ProcessResult dbsync(std::vector<std::string> args, int want_exit = 0) {
    std::vector<std::string> argv{DBSYNC_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-C", dir_.string()});
    auto r = run_process(argv);
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    EXPECT_EQ(r->exit_code, want_exit) << "dbsync " << args[0] << " in " << dir_ << ":\n" << r->err << r->out;
    return *r;
  }

  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "app.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << msg << " in: " << sql;
  }

  // id -> "owner|value|note" for every row.
  std::map<std::string, std::string> rows() {
    std::map<std::string, std::string> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / "app.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT id, owner, value, note FROM items", -1, &stmt, nullptr);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      auto text = [&](int i) {
        const unsigned char* t = sqlite3_column_text(stmt, i);
        return t ? std::string(reinterpret_cast<const char*>(t)) : std::string("NULL");
      };
      out[text(0)] = text(1) + "|" + text(2) + "|" + text(3);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  std::string root_hash() {
    auto r = dbsync({"verify", "--json"});
    auto v = json::parse(std::string_view(r.out).substr(0, r.out.find('\n')));
    EXPECT_TRUE(v.has_value());
    if (!v || v->find("root_hash") == nullptr) return "";
    return v->find("root_hash")->as_string();
  }

 private:
  fs::path dir_;
};

}  // namespace dbsync::e2e
