// Helpers for the SQLite store and sync tests: a scratch repository with an
// SQLite database, SQL run through the C API, and replica options with a
// pinned wall clock so revs are predictable.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sync/replica.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace dbsync::testing {

// Runs SQL on a database file (created if missing); returns the rows as
// "a|b\n" lines, NULL as "NULL". Fails the test on an SQL error.
inline std::string sql(const std::filesystem::path& db, const std::string& statements) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 10000);
  std::string out;
  auto cb = [](void* arg, int n, char** vals, char**) {
    auto* s = static_cast<std::string*>(arg);
    for (int i = 0; i < n; ++i) {
      if (i) *s += '|';
      *s += vals[i] ? vals[i] : "NULL";
    }
    *s += '\n';
    return 0;
  };
  char* err = nullptr;
  if (sqlite3_exec(h, statements.c_str(), cb, &out, &err) != SQLITE_OK) {
    ADD_FAILURE() << "SQL failed: " << (err ? err : "?") << "\n" << statements;
    sqlite3_free(err);
  }
  sqlite3_close(h);
  return out;
}

inline std::string slurp_file(const std::filesystem::path& p) {
  auto r = read_file(p);
  return r ? *r : std::string();
}

// Every file under `dir`, relative path -> bytes.
inline std::map<std::string, std::string> tree_files(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[std::filesystem::relative(e.path(), dir).string()] = slurp_file(e.path());
  }
  return out;
}

// A replica folder with its SQLite file at <repo>/db.sqlite.
struct TestReplica {
  std::filesystem::path repo;
  std::filesystem::path db;
  int64_t now = 1768473045000;  // 2026-01-15T10:30:45.000Z

  explicit TestReplica(std::filesystem::path r, std::string replica_id = "r1")
      : repo(std::move(r)), db(repo / "db.sqlite") {
    std::filesystem::create_directories(repo / ".dbsync");
    std::ofstream(repo / ".dbsync" / "local.toml") << "replica = \"" << replica_id << "\"\n";
  }
  ReplicaOptions options() {
    ReplicaOptions o;
    o.repo = repo;
    o.db_url = "sqlite:db.sqlite";
    o.wall = [this] { return now; };
    return o;
  }
  std::string sql(const std::string& s) const { return testing::sql(db, s); }
  std::map<std::string, std::string> snapshot() const { return tree_files(repo / "dbsync"); }
};

}  // namespace dbsync::testing
