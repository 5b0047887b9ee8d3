// Across stores (issue 6): one git remote, an SQLite replica and a
// PostgreSQL replica of the same data. After syncing, both hold identical
// snapshot files (schema.json included) and the same root hash, each
// database matches its snapshot, and neither the report files nor git
// history nor `dbsync doctor` show the PostgreSQL password. Skipped
// without DBSYNC_TEST_POSTGRES_URL (scripts/postgres-test-server.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "contract/postgres_support.h"
#include "sync_support.h"
#include "test_support/temp_dir.h"

namespace dbsync::e2e {
namespace {

constexpr const char* kPassword = "hunter2-secret";

std::map<std::string, std::string> snapshot_files(const fs::path& repo) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(repo / "dbsync")) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[fs::relative(e.path(), repo).string()] = ss.str();
  }
  return out;
}

bool tree_mentions(const fs::path& dir, const std::string& needle, const std::string& skip_name) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == skip_name) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) {
      ADD_FAILURE() << e.path() << " holds the password";
      return true;
    }
  }
  return false;
}

class PgReplica {
 public:
  PgReplica(const fs::path& dir, const fs::path& remote, const std::string& name, const std::string& url)
      : dir_(dir / name), url_(url) {
    must_run({"git", "clone", "-q", remote.string(), dir_.string()});
    must_run({"git", "-C", dir_.string(), "config", "user.name", name});
    must_run({"git", "-C", dir_.string(), "config", "user.email", name + "@test"});
    dbsync({"init", "--db", url, "--replica", name});
  }
  const fs::path& dir() const { return dir_; }
  // want_exit < 0: any exit code.
  ProcessResult dbsync(std::vector<std::string> args, int want_exit = 0) {
    std::vector<std::string> argv{DBSYNC_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-C", dir_.string()});
    auto r = run_process(argv);
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    if (want_exit >= 0) {
      EXPECT_EQ(r->exit_code, want_exit) << "dbsync " << args[0] << " in " << dir_ << ":\n"
                                         << r->err << r->out;
    }
    return *r;
  }
  void exec(const std::string& sql) {
    auto st = contract::postgres_exec(url_, sql);
    ASSERT_TRUE(st.has_value()) << st.error().message;
  }
  std::string root_hash() {
    auto r = dbsync({"verify", "--json"});
    auto v = json::parse(std::string_view(r.out).substr(0, r.out.find('\n')));
    if (!v || v->find("root_hash") == nullptr) return "";
    return v->find("root_hash")->as_string();
  }

 private:
  fs::path dir_;
  std::string url_;
};

// `url` with a password in it (the test server trusts local connections, so
// it is carried but never checked).
std::string url_with_password(const std::string& url) {
  size_t start = url.find("://") + 3;
  return url.substr(0, start) + "postgres:" + kPassword + "@" + url.substr(start);
}

TEST(SyncPostgres, AnSqliteAndAPostgresReplicaEndIdentical) {
  if (contract::postgres_test_url().empty()) GTEST_SKIP() << "DBSYNC_TEST_POSTGRES_URL is not set";
  TempDir tmp;
  fs::path remote = tmp.path() / "remote.git";
  must_run({"git", "init", "-q", "--bare", remote.string()});
  auto db = contract::fresh_postgres_database();
  ASSERT_TRUE(db.has_value()) << db.error().message;

  TestReplica lite(tmp.path(), remote, "lite");
  lite.exec(
      "CREATE TABLE pnl (user_id TEXT NOT NULL, ts TEXT NOT NULL, ticker TEXT, profit_usd REAL, profit_sol "
      "REAL, "
      "qty INTEGER, note TEXT, PRIMARY KEY (user_id, ts))");
  lite.exec(
      "INSERT INTO items VALUES ('a1','alice',1,'x'),('a2','bob',-2,NULL),('a3','Zoë',9007199254740993,'東京 "
      "🎉');"
      "INSERT INTO pnl VALUES ('u1','2026-01-15T10:30:45Z','SOL',12.5,0.1,3,'first'),"
      "('u1','2026-01-15T11:00:00Z','BTC',-0.25,1e-7,0,NULL),('u2','2026-01-16T09:00:00Z','ETH',1.0,100.0,-1,"
      "'tab\there')");
  lite.dbsync({"sync", "-q"});

  PgReplica pg(tmp.path(), remote, "pg", url_with_password(*db));
  pg.dbsync({"sync", "-q"});
  EXPECT_EQ(snapshot_files(pg.dir()), snapshot_files(lite.dir()));

  // Both applications write; both replicas sync until quiet.
  pg.exec(
      "INSERT INTO items VALUES ('p1', 'pg-app', 7, 'from postgres');"
      "UPDATE pnl SET profit_usd = 13.75, note = 'edited in pg' WHERE user_id = 'u1' AND ts = "
      "'2026-01-15T10:30:45Z'");
  lite.exec("INSERT INTO items VALUES ('l1','lite-app',8,'from sqlite'); DELETE FROM items WHERE id = 'a2'");
  pg.dbsync({"sync", "-q"});
  lite.dbsync({"sync", "-q"});
  pg.dbsync({"sync", "-q"});

  EXPECT_EQ(snapshot_files(pg.dir()), snapshot_files(lite.dir()));
  std::string root = lite.root_hash();
  EXPECT_FALSE(root.empty());
  EXPECT_EQ(pg.root_hash(), root);
  auto rows = lite.rows();
  EXPECT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.at("p1"), "pg-app|7|from postgres");
  EXPECT_EQ(rows.count("a2"), 0u);
  // Each database holds exactly its snapshot (verify checks the database too).
  pg.dbsync({"verify"});
  lite.dbsync({"verify"});

  // The password stays in .dbsync/local.toml, where the user put it.
  auto doctor = pg.dbsync({"doctor"}, -1);
  EXPECT_EQ((doctor.out + doctor.err).find(kPassword), std::string::npos) << doctor.out << doctor.err;
  EXPECT_NE((doctor.out + doctor.err).find("reachable"), std::string::npos) << doctor.out << doctor.err;
  EXPECT_FALSE(tree_mentions(pg.dir() / ".dbsync", kPassword, "local.toml"));
  EXPECT_FALSE(tree_mentions(pg.dir() / "dbsync", kPassword, ""));
  auto log = must_run({"git", "-C", pg.dir().string(), "log", "-p", "--all"});
  EXPECT_EQ(log.out.find(kPassword), std::string::npos);
}

TEST(SyncPostgres, DoctorReportsAnUnreachableServerWithoutThePassword) {
  if (contract::postgres_test_url().empty()) GTEST_SKIP() << "DBSYNC_TEST_POSTGRES_URL is not set";
  TempDir tmp;
  fs::path remote = tmp.path() / "remote.git";
  must_run({"git", "init", "-q", "--bare", remote.string()});
  std::string url = std::string("postgresql://postgres:") + kPassword +
                    "@/nodb?host=" + (tmp.path() / "no-socket-here").string() + "&port=1";
  PgReplica pg(tmp.path(), remote, "pg", url);
  auto doctor = pg.dbsync({"doctor"}, -1);
  EXPECT_NE(doctor.exit_code, 0);
  EXPECT_EQ((doctor.out + doctor.err).find(kPassword), std::string::npos) << doctor.out << doctor.err;
  EXPECT_NE((doctor.out + doctor.err).find("postgresql://"), std::string::npos) << doctor.out << doctor.err;
}

}  // namespace
}  // namespace dbsync::e2e

namespace dbsync::e2e {
namespace {

// A foreign key the rows violate (another replica holds it NOT VALID, or
// merged rows broke it) is recreated on a new replica, stays NOT VALID, and
// the user hears of it from `dbsync sync` — on stderr even with -q, and in
// --json — instead of the sync failing or the warning being lost.
TEST(SyncPostgres, AForeignKeyTheRowsViolateIsKeptNotValidAndSyncSaysSo) {
  if (contract::postgres_test_url().empty()) GTEST_SKIP() << "DBSYNC_TEST_POSTGRES_URL is not set";
  TempDir tmp;
  fs::path remote = tmp.path() / "remote.git";
  must_run({"git", "init", "-q", "--bare", remote.string()});
  auto db_a = contract::fresh_postgres_database();
  ASSERT_TRUE(db_a.has_value()) << db_a.error().message;
  auto db_b = contract::fresh_postgres_database();
  ASSERT_TRUE(db_b.has_value()) << db_b.error().message;

  PgReplica a(tmp.path(), remote, "a", *db_a);
  a.exec(
      "CREATE TABLE parent (id integer PRIMARY KEY, name text);"
      "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer);"
      "INSERT INTO parent VALUES (1, 'one');"
      "INSERT INTO child VALUES (10, 1), (11, 99);"
      "ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT "
      "VALID");
  a.dbsync({"sync", "-q"});

  PgReplica b(tmp.path(), remote, "b", *db_b);
  auto synced = b.dbsync({"sync", "-q"});
  EXPECT_NE(synced.err.find("dbsync: warning:"), std::string::npos) << synced.err;
  EXPECT_NE(synced.err.find("child_parent_fk"), std::string::npos) << synced.err;
  EXPECT_NE(synced.err.find("NOT VALID"), std::string::npos) << synced.err;

  // Both rows arrived; the key exists, guards new rows, and is not valid.
  ASSERT_TRUE(contract::postgres_holds(*db_b, "(SELECT count(*) FROM child) = 2").has_value())
      << "rows missing";
  auto orphan = contract::postgres_exec(*db_b, "INSERT INTO child VALUES (12, 98)");
  EXPECT_FALSE(orphan.has_value()) << "the foreign key was not recreated";
  ASSERT_TRUE(contract::postgres_holds(
                  *db_b, "NOT (SELECT convalidated FROM pg_constraint WHERE conname = 'child_parent_fk')")
                  .has_value())
      << "validated";

  // --json carries the same warning for scripts (a sync with nothing new
  // repeats the import's warnings only when it imports again, so check a
  // fresh replica).
  auto db_c = contract::fresh_postgres_database();
  ASSERT_TRUE(db_c.has_value()) << db_c.error().message;
  PgReplica c(tmp.path(), remote, "c", *db_c);
  auto as_json = c.dbsync({"sync", "--json"});
  auto v = json::parse(std::string_view(as_json.out).substr(0, as_json.out.find('\n')));
  ASSERT_TRUE(v.has_value()) << as_json.out;
  const json::Value* warnings = v->find("warnings");
  ASSERT_TRUE(warnings != nullptr && warnings->is_array()) << as_json.out;
  bool named = false;
  for (const auto& w : warnings->as_array()) {
    if (w.is_string() && w.as_string().find("child_parent_fk") != std::string::npos) named = true;
  }
  EXPECT_TRUE(named) << as_json.out;
}

}  // namespace
}  // namespace dbsync::e2e
