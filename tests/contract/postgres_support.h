// Test support for PostgreSQL (header-only, shared by contract and e2e
// tests): the test server's URL, fresh databases on it, and plain SQL
// through libpq standing in for the application.
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "util/error.h"

namespace dbsync::contract {

inline std::string postgres_test_url() {
  const char* url = std::getenv("DBSYNC_TEST_POSTGRES_URL");
  return url ? url : "";
}

inline std::string postgres_url_with_db(const std::string& url, const std::string& dbname) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path = url.find_first_of("/?", start);
  if (path == std::string::npos) return url + "/" + dbname;
  size_t end = url.find('?', path);
  if (end == std::string::npos) end = url.size();
  if (url[path] == '?') return url.substr(0, path) + "/" + dbname + url.substr(path);
  return url.substr(0, path) + "/" + dbname + url.substr(end);
}

inline Status postgres_exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    return fail(ErrorCode::kUnavailable, "cannot connect to the test server: " + why);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  std::string why = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    return fail(ErrorCode::kUnavailable, why + " in: " + sql);
  return {};
}

// Runs SQL boolean `condition` on the server at `url`: an error unless it
// holds (NULL, like a failing statement, is not an error: as IF treats it).
inline Status postgres_holds(const std::string& url, const std::string& condition) {
  return postgres_exec(
      url, "DO $$ BEGIN IF NOT (" + condition + ") THEN RAISE 'condition does not hold'; END IF; END $$");
}

inline Result<std::string> fresh_postgres_database() {
  static std::atomic<int> counter{0};
  std::string name = "dbsync_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  std::string admin = postgres_test_url();
  if (auto st = postgres_exec(admin, "DROP DATABASE IF EXISTS " + name); !st)
    return std::unexpected(st.error());
  if (auto st = postgres_exec(admin, "CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8'"); !st)
    return std::unexpected(st.error());
  return postgres_url_with_db(admin, name);
}

}  // namespace dbsync::contract
