// The application keeps writing while dbsync exports and imports (DESIGN
// §4): a separate writer process inserts and updates rows the whole time,
// logging each write once its transaction committed. None of them is lost:
// each is in the database at the end and in the final snapshot, and the
// other replica's changes arrived too.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "e2e/sqlite_e2e_util.h"

namespace dbsync {
namespace {

using namespace testing;
namespace fs = std::filesystem;

// The writer: commits one insert or update at a time until `stop` exists,
// appending "i <id>" / "u <id> <value>" to `log` after each commit.
[[noreturn]] void writer(const fs::path& db, const fs::path& log, const fs::path& stop) {
  sqlite3* h = nullptr;
  sqlite3_open(db.c_str(), &h);
  sqlite3_busy_timeout(h, 20000);
  FILE* out = std::fopen(log.c_str(), "w");
  for (int i = 0; !fs::exists(stop); ++i) {
    std::string stmt, entry;
    if (i % 2 == 0) {
      int id = 100000 + i;
      stmt = "INSERT INTO pnl VALUES (" + std::to_string(id) + ",'writer'," + std::to_string(i) + ".5,NULL)";
      entry = "i " + std::to_string(id);
    } else {
      int id = 501 + (i % 500);
      stmt = "UPDATE pnl SET note = 'w" + std::to_string(i) + "' WHERE id = " + std::to_string(id);
      entry = "u " + std::to_string(id) + " w" + std::to_string(i);
    }
    if (sqlite3_exec(h, stmt.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) {
      std::fprintf(out, "%s\n", entry.c_str());
      std::fflush(out);
    }
    ::usleep(500);
  }
  std::fclose(out);
  sqlite3_close(h);
  ::_exit(0);
}

// With `tracking`, both replicas use change_tracking = "triggers": B's
// exports read only the rows the log names while the writer runs, and the
// final status (a full read) must still find nothing unexported.
void scenario(bool wal, bool tracking = false) {
  TempDir tmp;
  fs::path a = tmp.path() / "a", b = tmp.path() / "b";
  fs::create_directories(a);
  fs::create_directories(b);
  if (tracking) {
    for (const auto& r : {a, b})
      std::ofstream(r / "dbsync.toml") << "version = 1\nchange_tracking = \"triggers\"\n";
  }
  std::string rows = "BEGIN; CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT, profit REAL, note TEXT);";
  for (int i = 1; i <= 1000; ++i)
    rows += "INSERT INTO pnl VALUES (" + std::to_string(i) + ",'u'," + std::to_string(i) + ".0,NULL);";
  sql(a / "db.sqlite", rows + "COMMIT;");
  ASSERT_EQ(dbsync_run(a, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
  copy_snapshot(a, b);
  ASSERT_EQ(dbsync_run(b, {"import", "--db", "sqlite:db.sqlite"}).code, 0);
  if (wal) {
    ASSERT_EQ(sql(b / "db.sqlite", "PRAGMA journal_mode = WAL"), "wal\n");
  }
  // A changes records 1-500; B's application works on 501-1000 and new ids.
  sql(a / "db.sqlite", "UPDATE pnl SET profit = profit * 10 WHERE id <= 500; DELETE FROM pnl WHERE id = 7;");
  ASSERT_EQ(dbsync_run(a, {"export", "--db", "sqlite:db.sqlite"}).code, 0);

  fs::path log = tmp.path() / "writes.log", stop = tmp.path() / "stop";
  pid_t pid = ::fork();
  if (pid == 0) writer(b / "db.sqlite", log, stop);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // A fast-forward pull (B exported nothing since it last imported), taken
  // in while the application writes; then B exports repeatedly.
  copy_snapshot(a, b);
  CliResult im = dbsync_run(b, {"import", "--db", "sqlite:db.sqlite"});
  ASSERT_EQ(im.code, 0) << im.err;
  for (int round = 0; round < 3; ++round) {
    CliResult ex = dbsync_run(b, {"export", "--db", "sqlite:db.sqlite"});
    ASSERT_EQ(ex.code, 0) << ex.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::ofstream(stop) << "stop";
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(dbsync_run(b, {"export", "--db", "sqlite:db.sqlite"}).code, 0);

  std::map<int, std::string> last_note;
  std::vector<int> inserted;
  std::ifstream in(log);
  for (std::string kind; in >> kind;) {
    int id;
    in >> id;
    if (kind == "i") {
      inserted.push_back(id);
    } else {
      in >> last_note[id];
    }
  }
  ASSERT_GT(inserted.size(), 20u);
  ASSERT_GT(last_note.size(), 20u);
  fs::path db = b / "db.sqlite";
  for (int id : inserted) {
    ASSERT_EQ(sql(db, "SELECT count(*) FROM pnl WHERE id = " + std::to_string(id)), "1\n") << id;
  }
  for (const auto& [id, note] : last_note) {
    ASSERT_EQ(sql(db, "SELECT note FROM pnl WHERE id = " + std::to_string(id)), note + "\n") << id;
  }
  EXPECT_EQ(sql(db, "SELECT profit FROM pnl WHERE id = 3"), "30.0\n");
  EXPECT_EQ(sql(db, "SELECT count(*) FROM pnl WHERE id = 7"), "0\n");
  // Tracking was on: B's triggers log the writer's rows.
  if (tracking) {
    EXPECT_EQ(sql(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"), "3\n");
  }
  // The final snapshot holds exactly the database.
  CliResult st = dbsync_run(b, {"status", "--db", "sqlite:db.sqlite", "--json"});
  ASSERT_EQ(st.code, 0);
  auto j = json::parse(st.out);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->find("added")->as_int() + j->find("changed")->as_int() + j->find("deleted")->as_int(), 0);
  std::string snapshot = slurp_file(b / "dbsync/pnl/00.jsonl");
  for (int id : inserted) {
    ASSERT_NE(snapshot.find("{\"d\":{\"id\":" + std::to_string(id) + ","), std::string::npos) << id;
  }
  std::printf("writer (%s) committed %zu inserts and %zu distinct updated rows during the syncs\n",
              wal ? "WAL" : "rollback journal", inserted.size(), last_note.size());
}

TEST(SqliteWriter, ConcurrentWritesSurviveExportAndImport) { scenario(false); }
TEST(SqliteWriter, ConcurrentWritesSurviveExportAndImportInWalMode) { scenario(true); }
TEST(SqliteWriter, ConcurrentWritesSurviveExportAndImportWithChangeTracking) { scenario(false, true); }
TEST(SqliteWriter, ConcurrentWritesSurviveExportAndImportWithChangeTrackingInWalMode) {
  scenario(true, true);
}

}  // namespace
}  // namespace dbsync
