// kill -9 at random points of the real `dbsync import` (DESIGN §10): the
// database is the old or the new state, and a rerun converges to the new
// state with every record present once. And of the real `dbsync export`:
// whatever the kill interrupted (writing the delta, publishing, the fold of
// the matched state), a rerun leaves a snapshot that holds the database
// and a matched state equal to it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "e2e/sqlite_e2e_util.h"
#include "sync/matched.h"

namespace dbsync {
namespace {

using namespace testing;
namespace fs = std::filesystem;

// Starts `dbsync <command>` in `repo` and returns its pid.
pid_t spawn(const fs::path& repo, const char* command) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    std::string bin = DBSYNC_BINARY, r = repo.string();
    ::execl(bin.c_str(), bin.c_str(), command, "--db", "sqlite:db.sqlite", "-C", r.c_str(), (char*)nullptr);
    ::_exit(127);
  }
  return pid;
}

std::string state(const fs::path& db) {
  return sql(db, "SELECT count(*), total(profit), group_concat(id) FROM (SELECT * FROM pnl ORDER BY id)");
}

// A pnl table of `rows` rows, ids 1..rows, in one transaction.
std::string pnl_table_sql(int rows) {
  std::string out = "BEGIN; CREATE TABLE pnl (id INTEGER PRIMARY KEY, user TEXT, profit REAL, note TEXT);";
  for (int i = 1; i <= rows; ++i) {
    out += "INSERT INTO pnl VALUES (" + std::to_string(i) + ",'user" + std::to_string(i % 97) + "'," +
           std::to_string(i) + ".25,'note " + std::to_string(i) + "');";
  }
  return out + "COMMIT;";
}

// Inserts of new rows with ids first..last (inside the caller's transaction).
std::string new_rows_sql(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) {
    out += "INSERT INTO pnl VALUES (" + std::to_string(i) + ",'new'," + std::to_string(i) + ".5,NULL);";
  }
  return out;
}

// How long an undisturbed `dbsync <command>` takes in `repo`, in us; -1
// when it fails.
long run_time_us(const fs::path& repo, const char* command) {
  auto t0 = std::chrono::steady_clock::now();
  if (dbsync_run(repo, {command, "--db", "sqlite:db.sqlite"}).code != 0) return -1;
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

// Starts `dbsync <command>` in `repo` and kills it with SIGKILL after
// `delay_us`.
void kill_after(const fs::path& repo, const char* command, long delay_us) {
  pid_t pid = spawn(repo, command);
  std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

TEST(SqliteCrash, KillNineDuringImportThenRerunConverges) {
  TempDir tmp;
  fs::path a = tmp.path() / "a", tpl = tmp.path() / "template";
  fs::create_directories(a);
  sql(a / "db.sqlite", pnl_table_sql(20000));
  ASSERT_EQ(dbsync_run(a, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
  copy_snapshot(a, tpl);
  ASSERT_EQ(dbsync_run(tpl, {"import", "--db", "sqlite:db.sqlite"}).code, 0);
  std::string old_state = state(tpl / "db.sqlite");
  // The import to interrupt: 10,000 updates, 2,000 deletes, 5,000 inserts.
  sql(a / "db.sqlite",
      "BEGIN; UPDATE pnl SET profit = profit * 2 WHERE id % 2 = 0; DELETE FROM pnl WHERE id % 10 = 5;" +
          new_rows_sql(20001, 25000) + "COMMIT;");
  ASSERT_EQ(dbsync_run(a, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
  copy_snapshot(a, tpl);
  std::string new_state = state(a / "db.sqlite");
  ASSERT_NE(old_state, new_state);

  // How long an undisturbed import takes.
  fs::path probe = tmp.path() / "probe";
  fs::copy(tpl, probe, fs::copy_options::recursive);
  long full = run_time_us(probe, "import");
  ASSERT_GE(full, 0) << "the undisturbed import failed";
  ASSERT_EQ(state(probe / "db.sqlite"), new_state);

  std::mt19937 rng(12345);
  int saw_old = 0, saw_new = 0;
  for (int round = 0; round < 12; ++round) {
    fs::path r = tmp.path() / ("r" + std::to_string(round));
    fs::copy(tpl, r, fs::copy_options::recursive);
    long delay = std::uniform_int_distribution<long>(0, full)(rng);
    SCOPED_TRACE("kill after " + std::to_string(delay) + " of " + std::to_string(full) + " us");
    kill_after(r, "import", delay);
    std::string now = state(r / "db.sqlite");
    ASSERT_TRUE(now == old_state || now == new_state) << now;
    (now == old_state ? saw_old : saw_new)++;
    CliResult again = dbsync_run(r, {"import", "--db", "sqlite:db.sqlite"});
    ASSERT_EQ(again.code, 0) << again.err;
    ASSERT_EQ(state(r / "db.sqlite"), new_state);
    ASSERT_EQ(dump(r / "db.sqlite"), dump(a / "db.sqlite"));
    CliResult ex = dbsync_run(r, {"export", "--db", "sqlite:db.sqlite"});
    ASSERT_EQ(ex.code, 0) << ex.err;
    ASSERT_NE(ex.out.find("nothing to export"), std::string::npos) << ex.out;
    ASSERT_FALSE(fs::exists(r / ".dbsync/journal"));
    fs::remove_all(r);
  }
  std::printf("kill -9: %d runs left the old state, %d the new\n", saw_old, saw_new);
}

// The live matched generation's files, as text by path.
std::map<std::string, std::string> matched_files(const fs::path& repo) {
  auto meta = load_matched_meta(LocalPaths(repo));
  if (!meta || !*meta) return {};
  return tree_files(generation_root(LocalPaths(repo), (*meta)->generation) / "dbsync");
}

TEST(SqliteCrash, KillNineDuringExportThenRerunLeavesASnapshotOfTheDatabase) {
  TempDir tmp;
  fs::path tpl = tmp.path() / "template";
  fs::create_directories(tpl);
  // 64 shards, so a change of a fifth of the rows replaces files across
  // the matched generation and the fold has many steps to interrupt.
  std::ofstream(tpl / "dbsync.toml") << "version = 1\n[defaults]\nshards = 64\n";
  sql(tpl / "db.sqlite", pnl_table_sql(20000));
  ASSERT_EQ(dbsync_run(tpl, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
  // The export to interrupt: 4,000 updates, 400 deletes (one shard's
  // worth of rows among them goes whole), 1,000 inserts.
  sql(tpl / "db.sqlite",
      "BEGIN; UPDATE pnl SET profit = profit * 2 WHERE id % 5 = 0; DELETE FROM pnl WHERE id % 50 = 7;" +
          new_rows_sql(20001, 21000) + "COMMIT;");
  const std::string database = dump(tpl / "db.sqlite");

  fs::path probe = tmp.path() / "probe";
  fs::copy(tpl, probe, fs::copy_options::recursive);
  long full = run_time_us(probe, "export");
  ASSERT_GE(full, 0) << "the undisturbed export failed";

  std::mt19937 rng(54321);
  int folds = 0, roll_forwards = 0, drops = 0;
  for (int round = 0; round < 16; ++round) {
    fs::path r = tmp.path() / ("r" + std::to_string(round));
    fs::copy(tpl, r, fs::copy_options::recursive);
    // Every other kill lands in the last half, where the journal, the
    // publish and the fold are.
    long delay = std::uniform_int_distribution<long>(round % 2 ? full / 2 : 0, full)(rng);
    SCOPED_TRACE("kill after " + std::to_string(delay) + " of " + std::to_string(full) + " us");
    kill_after(r, "export", delay);
    CliResult again = dbsync_run(r, {"export", "--db", "sqlite:db.sqlite"});
    ASSERT_EQ(again.code, 0) << again.err;
    std::string notes = again.out + again.err;
    folds += notes.find("finished committing the matched state") != std::string::npos;
    roll_forwards += notes.find("finished an export that was interrupted") != std::string::npos;
    drops += notes.find("interrupted export was dropped") != std::string::npos;
    CliResult verify = dbsync_run(r, {"verify", "--db", "sqlite:db.sqlite"});
    ASSERT_EQ(verify.code, 0) << verify.out << verify.err;
    CliResult ex = dbsync_run(r, {"export", "--db", "sqlite:db.sqlite"});
    ASSERT_EQ(ex.code, 0) << ex.err;
    ASSERT_NE(ex.out.find("nothing to export"), std::string::npos) << ex.out;
    // Nothing else in the working tree either: no staged file of the
    // killed run is left for git to pick up.
    ASSERT_EQ(matched_files(r), tree_files(r / "dbsync"));
    ASSERT_EQ(dump(r / "db.sqlite"), database);
    ASSERT_FALSE(fs::exists(r / ".dbsync/export-journal"));
    fs::remove_all(r);
  }
  std::printf("kill -9 of export: %d reruns finished a fold, %d rolled an export forward, %d dropped one\n",
              folds, roll_forwards, drops);
}

}  // namespace
}  // namespace dbsync
