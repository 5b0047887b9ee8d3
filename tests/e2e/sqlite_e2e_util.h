// Running the real dbsync binary (DBSYNC_BINARY) on SQLite replicas for the
// sqlite_* end-to-end tests: argv arrays through util/process.h, never a
// shell.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "json/parse.h"
#include "unit/sync_test_util.h"
#include "util/process.h"

namespace dbsync::testing {

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline CliResult dbsync_run(const std::filesystem::path& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {DBSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("-C");
  argv.push_back(repo.string());
  ProcessOptions opts;
  opts.env = {"NO_COLOR=1"};
  auto r = run_process(argv, opts);
  EXPECT_TRUE(r.has_value());
  if (!r) return {};
  return {r->exit_code, r->out, r->err};
}

inline std::filesystem::path chinook() {
  return std::filesystem::path(DBSYNC_SHARED_TESTDATA) / "chinook" / "Chinook_Sqlite.sqlite";
}

inline void copy_snapshot(const std::filesystem::path& from_repo, const std::filesystem::path& to_repo) {
  std::filesystem::remove_all(to_repo / "dbsync");
  std::filesystem::create_directories(to_repo);
  std::filesystem::copy(from_repo / "dbsync", to_repo / "dbsync", std::filesystem::copy_options::recursive);
}

// Every table's rows in key order, as text: a database's content in one
// string. dbsync's own tables (_dbsync_*) are bookkeeping, not content.
inline std::string dump(const std::filesystem::path& db) {
  std::string out;
  std::string tables =
      sql(db,
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_dbsync\\_%' "
          "ESCAPE '\\' ORDER BY name");
  std::istringstream in(tables);
  for (std::string t; std::getline(in, t);) {
    out += "== " + t + "\n" + sql(db, "SELECT * FROM \"" + t + "\" ORDER BY 1, 2");
  }
  return out;
}

}  // namespace dbsync::testing
