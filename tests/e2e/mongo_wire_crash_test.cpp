// kill -9 of `dbsync import` against a standalone MongoDB (the wire mock,
// tests/e2e/mongo_wire/mock_mongod.py): the store's undo log
// (.dbsync/mongodb-undo-<db>.jsonl) must let a rerun converge to the
// snapshot with every document present once, and must never undo a write
// the application made after dbsync's. The kill points are every place a
// bulk write can be cut (before the server applies it, after it applied it
// but before the client heard, in the middle of the rollback itself), plus
// kills after random delays.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "e2e/mongo_wire/mock_mongod.h"
#include "e2e/sqlite_e2e_util.h"
#include "test_support/temp_dir.h"

namespace dbsync {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::string doc(int id, const std::string& v) {
  return "{\"_id\": {\"$numberInt\": \"" + std::to_string(id) + "\"}, \"v\": \"" + v + "\"}";
}

fs::path write_data(const fs::path& p, const std::vector<std::string>& docs) {
  std::ofstream out(p);
  for (const auto& d : docs) out << "{\"c\": \"pnl\", \"d\": " << d << "}\n";
  return p;
}

// The documents of every shard of `pnl`, sorted (the order of shards is not data).
std::string docs_of(const fs::path& repo) {
  std::vector<std::string> lines;
  for (const auto& e : fs::directory_iterator(repo / "dbsync" / "pnl")) {
    if (e.path().extension() != ".jsonl") continue;
    std::ifstream in(e.path());
    for (std::string l; std::getline(in, l);) lines.push_back(l.substr(0, l.find(",\"h\":\"")));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// What the server holds, as an export into a fresh repository sees it.
std::string server_docs(const fs::path& dir, const MockMongod& mock) {
  static int n = 0;
  fs::path repo = dir / ("look" + std::to_string(++n));
  fs::create_directories(repo);
  auto r = dbsync_run(repo, {"export", "--db", mock.url()});
  EXPECT_EQ(r.code, 0) << r.err;
  return docs_of(repo);
}

pid_t spawn_import(const fs::path& repo, const std::string& url) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    std::string bin = DBSYNC_BINARY, r = repo.string();
    ::execl(bin.c_str(), bin.c_str(), "import", "--db", url.c_str(), "-C", r.c_str(), (char*)nullptr);
    ::_exit(127);
  }
  return pid;
}

size_t count_lines(const MockMongod& mock, const std::string& needle) {
  size_t n = 0;
  for (const auto& l : mock.log()) n += l.find(needle) != std::string::npos;
  return n;
}

// Runs an import and kills it (-9) when the mock reports its `stalls`-th
// stall; true when it was killed there (false: it finished first).
bool import_killed_at_stall(const fs::path& repo, const MockMongod& mock, size_t stalls) {
  pid_t pid = spawn_import(repo, mock.url());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (count_lines(mock, "\"stalled\"") >= stalls) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return true;
    }
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

class MongoWireCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_mockupdb()) GTEST_SKIP() << "python3-mockupdb is not installed (scripts/install-deps.sh)";
    // The database before: ids 1..40. The snapshot to import (from another
    // replica): even ids changed, ids ending in 5 deleted, 41..50 new.
    std::vector<std::string> before, after;
    for (int i = 1; i <= 40; ++i) {
      before.push_back(doc(i, "v" + std::to_string(i)));
      if (i % 10 == 5) continue;
      after.push_back(doc(i, (i % 2 ? "v" : "NEW") + std::to_string(i)));
    }
    for (int i = 41; i <= 50; ++i) after.push_back(doc(i, "n" + std::to_string(i)));
    data_before_ = write_data(tmp_.path() / "before.jsonl", before);
    fs::path data_after = write_data(tmp_.path() / "after.jsonl", after);
    fs::path b = tmp_.path() / "b";
    fs::create_directories(b);
    {
      MockMongod mock_b(tmp_.path(), {"--data", data_after.string()});
      ASSERT_GT(mock_b.port(), 0);
      ASSERT_EQ(dbsync_run(b, {"export", "--db", mock_b.url()}).code, 0);
    }
    target_ = docs_of(b);
    // The replica to import into: exported once from the old data (its
    // matched state), then b's snapshot pulled over it.
    template_ = tmp_.path() / "template";
    fs::create_directories(template_);
    {
      MockMongod mock_a(tmp_.path(), {"--data", data_before_.string()});
      ASSERT_GT(mock_a.port(), 0);
      ASSERT_EQ(dbsync_run(template_, {"export", "--db", mock_a.url()}).code, 0);
      old_ = server_docs(tmp_.path(), mock_a);
    }
    copy_snapshot(b, template_);
    ASSERT_NE(old_, target_);
  }

  // A fresh copy of the replica for one round.
  fs::path round_repo(const std::string& name) {
    fs::path r = tmp_.path() / name;
    fs::copy(template_, r, fs::copy_options::recursive);
    return r;
  }

  fs::path undo_file(const fs::path& repo) const { return repo / ".dbsync" / "mongodb-undo-app.jsonl"; }

  TempDir tmp_;
  fs::path data_before_, template_;
  std::string old_, target_;
};

struct StallCase {
  std::vector<std::string> stalls;  // mock --stall points, hit one per killed run
  const char* touch = nullptr;      // mock --touch: an application write
};

TEST_F(MongoWireCrash, KillNineAtEveryWritePointThenRerunConverges) {
  const std::vector<StallCase> cases = {
      {{"delete:1"}},
      {{"delete:1:after"}},
      {{"update:1"}},
      {{"update:1:after"}},
      {{"insert:1"}},
      {{"insert:1:after"}},
      // Killed again in the middle of the rollback the rerun starts with
      // (its first undo step is the update putting documents back).
      {{"update:1:after", "update:2:after"}},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    const StallCase& sc = cases[c];
    std::string label = "case " + std::to_string(c) + " (" + sc.stalls[0] + ")";
    std::vector<std::string> args = {"--data", data_before_.string()};
    for (const auto& s : sc.stalls) args.insert(args.end(), {"--stall", s});
    // Each mock logs into its own folder: the stall count is per server.
    fs::path mock_dir = tmp_.path() / ("mock" + std::to_string(c));
    fs::create_directories(mock_dir);
    MockMongod mock(mock_dir, args);
    ASSERT_GT(mock.port(), 0);
    fs::path repo = round_repo("case" + std::to_string(c));
    for (size_t k = 0; k < sc.stalls.size(); ++k)
      ASSERT_TRUE(import_killed_at_stall(repo, mock, k + 1)) << label << " kill " << k;
    // Killed after a write reached the server: the undo log is left for
    // the next run.
    if (sc.stalls.back().ends_with(":after")) {
      EXPECT_TRUE(fs::exists(undo_file(repo))) << label;
    }
    auto r = dbsync_run(repo, {"import", "--db", mock.url()});
    ASSERT_EQ(r.code, 0) << label << ": " << r.out << r.err;
    EXPECT_FALSE(fs::exists(undo_file(repo))) << label;
    // Every document once, as the snapshot has it.
    EXPECT_EQ(server_docs(tmp_.path(), mock), target_) << label;
    EXPECT_EQ(dbsync_run(repo, {"verify", "--db", mock.url()}).code, 0) << label;
  }
}

TEST_F(MongoWireCrash, TheRollbackAfterAKillNeverUndoesAnApplicationWrite) {
  // dbsync's update of the even ids reaches the server and dbsync dies;
  // document 2 is then written by the application, just before the next
  // run's rollback would put it back (its update:2).
  fs::path mock_dir = tmp_.path() / "mock";
  fs::create_directories(mock_dir);
  MockMongod mock(
      mock_dir, {"--data", data_before_.string(), "--stall", "update:1:after", "--touch", "update:2:pnl:2"});
  ASSERT_GT(mock.port(), 0);
  fs::path repo = round_repo("touched");
  ASSERT_TRUE(import_killed_at_stall(repo, mock, 1));
  ASSERT_TRUE(fs::exists(undo_file(repo)));
  auto r = dbsync_run(repo, {"import", "--db", mock.url()});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(count_lines(mock, "\"touched\": 2"), 1u);
  std::string now = server_docs(tmp_.path(), mock);
  // The application's write stands (dbsync's value plus its field): the
  // rollback left it alone and the import skipped the record.
  const std::string mine = "{\"d\":{\"_id\":2,\"v\":\"NEW2\"}",
                    theirs = "{\"d\":{\"_id\":2,\"touched\":true,\"v\":\"NEW2\"}";
  EXPECT_NE(now.find(theirs), std::string::npos) << now;
  // Every other document is the snapshot's, once.
  std::string expected = target_;
  size_t at = expected.find(mine);
  ASSERT_NE(at, std::string::npos) << expected;
  expected.replace(at, mine.size(), theirs);
  EXPECT_EQ(now, expected);
}

TEST_F(MongoWireCrash, KillNineAfterRandomDelaysThenRerunConverges) {
  // How long an undisturbed import takes here.
  std::chrono::microseconds full;
  {
    MockMongod mock(tmp_.path(), {"--data", data_before_.string()});
    ASSERT_GT(mock.port(), 0);
    fs::path probe = round_repo("probe");
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(dbsync_run(probe, {"import", "--db", mock.url()}).code, 0);
    full = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_EQ(server_docs(tmp_.path(), mock), target_);
  }
  std::mt19937 rng(20261125);
  for (int round = 0; round < 6; ++round) {
    MockMongod mock(tmp_.path(), {"--data", data_before_.string()});
    ASSERT_GT(mock.port(), 0);
    fs::path repo = round_repo("random" + std::to_string(round));
    long delay = std::uniform_int_distribution<long>(0, full.count())(rng);
    pid_t pid = spawn_import(repo, mock.url());
    std::this_thread::sleep_for(std::chrono::microseconds(delay));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    // Old state, new state or part-way: the rerun converges.
    auto r = dbsync_run(repo, {"import", "--db", mock.url()});
    ASSERT_EQ(r.code, 0) << "round " << round << " delay " << delay << "us: " << r.out << r.err;
    EXPECT_FALSE(fs::exists(undo_file(repo))) << round;
    EXPECT_EQ(server_docs(tmp_.path(), mock), target_) << "round " << round << " delay " << delay << "us";
  }
}

}  // namespace
}  // namespace dbsync
