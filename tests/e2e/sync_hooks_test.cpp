// `dbsync init --hooks` end to end (DESIGN §6, §7; issue 5): with the hooks
// installed, plain git is enough — `git commit` exports the database into
// the commit, `git pull` (merge or rebase) imports what it brought — and
// running init again changes nothing, duplicates no hook and never
// overwrites a hook the user wrote.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "sync_support.h"
#include "test_support/temp_dir.h"
#include "util/file.h"

namespace dbsync::e2e {
namespace {

constexpr const char* kHookNames[] = {"pre-commit", "post-merge", "post-checkout", "post-rewrite"};

class SyncHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_ = dir_.path() / "remote.git";
    must_run({"git", "init", "-q", "--bare", remote_.string()});
  }
  std::unique_ptr<TestReplica> replica(const std::string& name) {
    return std::make_unique<TestReplica>(dir_.path(), remote_, name);
  }
  static ProcessResult git(TestReplica& r, std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", r.dir().string()});
    return must_run(args);
  }
  static fs::path hook(TestReplica& r, const std::string& name) { return r.dir() / ".git" / "hooks" / name; }
  static std::string text_of(const fs::path& p) {
    auto t = read_file(p);
    return t ? *t : std::string("(missing)");
  }
  static size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
  }
  static std::string branch(TestReplica& r) {
    std::string b = git(r, {"rev-parse", "--abbrev-ref", "HEAD"}).out;
    return b.substr(0, b.find('\n'));
  }

  TempDir dir_;
  fs::path remote_;
};

TEST_F(SyncHooksTest, InitInstallsTheFourHooksExecutable) {
  auto a = replica("a");
  auto out = a->dbsync({"init", "--hooks"}).out;
  for (const char* name : kHookNames) {
    fs::path p = hook(*a, name);
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0) << p;
    EXPECT_TRUE(st.st_mode & S_IXUSR) << p << " is not executable";
    EXPECT_NE(text_of(p).find("# installed by dbsync init --hooks"), std::string::npos) << p;
    EXPECT_NE(out.find(std::string("installed the ") + name + " hook"), std::string::npos) << out;
  }
}

TEST_F(SyncHooksTest, PlainGitCommitExportsAndPlainGitPullImports) {
  auto a = replica("a");
  auto b = replica("b");
  a->dbsync({"init", "--hooks"});
  b->dbsync({"init", "--hooks"});
  a->exec("INSERT INTO items VALUES ('k1','a',1,'x')");
  a->dbsync({"sync", "-q"});
  b->dbsync({"sync", "-q"});
  a->dbsync({"sync", "-q"});  // gets b's merge commit, so a's pushes below fast-forward
  ASSERT_EQ(b->rows(), a->rows());
  std::string br = branch(*a);

  // git commit of some other file: pre-commit exports and stages the
  // snapshot, and the commit carries it.
  a->exec("INSERT INTO items VALUES ('k2','a',2,'y'); UPDATE items SET value = 10 WHERE id = 'k1'");
  std::ofstream(a->dir() / "NOTES") << "notes\n";
  git(*a, {"add", "NOTES"});
  git(*a, {"commit", "-qm", "by hand"});
  std::string files = git(*a, {"show", "--name-only", "--format=", "HEAD"}).out;
  EXPECT_EQ(files, "NOTES\ndbsync/items/00.jsonl\n");
  // Only the database changed: git decides "nothing to commit" before the
  // hook runs, so --allow-empty is how to commit (the commit is not empty).
  a->exec("UPDATE items SET note = 'x2' WHERE id = 'k2'");
  git(*a, {"commit", "-q", "--allow-empty", "-m", "database only"});
  files = git(*a, {"show", "--name-only", "--format=", "HEAD"}).out;
  EXPECT_EQ(files, "dbsync/items/00.jsonl\n");
  git(*a, {"push", "-q", "origin", "HEAD:refs/heads/" + br});

  // git pull (a fast-forward merge): post-merge imports.
  git(*b, {"-c", "pull.rebase=false", "pull", "-q", "origin", br});
  EXPECT_EQ(b->rows(), a->rows());
  EXPECT_EQ(b->rows().at("k1"), "a|10|x");
  EXPECT_EQ(b->rows().at("k2"), "a|2|x2");

  // Both commit by hand, then b pulls with --rebase: the driver merges the
  // shard and post-rewrite imports the result.
  b->exec("INSERT INTO items VALUES ('k3','b',3,'z')");
  git(*b, {"commit", "-q", "--allow-empty", "-m", "b by hand"});
  a->exec("INSERT INTO items VALUES ('k4','a',4,'w')");
  git(*a, {"commit", "-q", "--allow-empty", "-m", "a by hand"});
  git(*a, {"push", "-q", "origin", "HEAD:refs/heads/" + br});
  git(*b, {"pull", "-q", "--rebase", "origin", br});
  EXPECT_EQ(b->rows().size(), 4u);
  EXPECT_EQ(b->rows().count("k4"), 1u) << "post-rewrite did not import";
  git(*b, {"push", "-q", "origin", "HEAD:refs/heads/" + br});
  git(*a, {"-c", "pull.rebase=false", "pull", "-q", "origin", br});
  EXPECT_EQ(a->rows(), b->rows());
  EXPECT_EQ(a->root_hash(), b->root_hash());
  // dbsync sync agrees that there is nothing left to do.
  auto s = a->dbsync({"sync", "-q"});
  EXPECT_NE(s.out.find("exported +0 ~0 -0"), std::string::npos) << s.out;
}

TEST_F(SyncHooksTest, InitAgainChangesNothingAndKeepsTheUsersOwnHook) {
  auto a = replica("a");
  fs::path mine = hook(*a, "post-merge");
  fs::create_directories(mine.parent_path());
  std::string my_hook = "#!/bin/sh\necho my own post-merge\n";
  std::ofstream(mine) << my_hook;
  fs::permissions(mine, fs::perms::owner_all);

  auto first = a->dbsync({"init", "--hooks"});
  EXPECT_NE(first.err.find("left the existing hook '" + mine.string() + "' in place"), std::string::npos)
      << first.err;
  EXPECT_EQ(text_of(mine), my_hook);
  std::map<std::string, std::string> installed;
  for (const char* name : kHookNames) installed[name] = text_of(hook(*a, name));

  auto second = a->dbsync({"init", "--hooks"});
  EXPECT_NE(second.out.find("already set up; nothing changed"), std::string::npos) << second.out;
  for (const char* name : kHookNames) {
    EXPECT_EQ(text_of(hook(*a, name)), installed[name]) << name;
    if (std::string(name) != "post-merge") {
      EXPECT_EQ(count(installed[name], "dbsync init --hooks"), 1u) << name;
      EXPECT_EQ(count(installed[name], "DBSYNC_RUNNING"), 1u) << name;
    }
  }
  EXPECT_EQ(text_of(mine), my_hook);
  EXPECT_EQ(count(text_of(a->dir() / ".gitattributes"), "merge=dbsync"), 1u);
  EXPECT_EQ(count(text_of(a->dir() / ".gitignore"), "/.dbsync/"), 1u);
  EXPECT_EQ(git(*a, {"config", "--get-all", "merge.dbsync.driver"}).out.find('\n'),
            git(*a, {"config", "--get-all", "merge.dbsync.driver"}).out.size() - 1)
      << "one driver entry";
}

// git decides "nothing to commit" from the index as it was before
// pre-commit ran, so when only the database changed a plain `git commit` is
// refused although the hook staged the export. The hook says so; the same
// commit run again carries the export, and `git pull --rebase` (which
// refuses to run over staged changes) works afterwards.
TEST_F(SyncHooksTest, APlainCommitOfTheDatabaseAloneIsRefusedOnceThenCommitsWhenRunAgain) {
  auto a = replica("a");
  auto b = replica("b");
  a->dbsync({"init", "--hooks"});
  b->dbsync({"init", "--hooks"});
  a->exec("INSERT INTO items VALUES ('k1','a',1,'x')");
  a->dbsync({"sync", "-q"});
  b->dbsync({"sync", "-q"});
  a->dbsync({"sync", "-q"});
  std::string br = branch(*a);

  a->exec("INSERT INTO items VALUES ('k2','a',2,'y')");
  auto refused = run_process({"git", "-C", a->dir().string(), "commit", "-q", "-m", "database only"});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->exit_code, 1) << "git 2.39 refuses: " << refused->out << refused->err;
  EXPECT_NE(refused->err.find("run the same git commit again"), std::string::npos) << refused->err;
  EXPECT_EQ(git(*a, {"diff", "--cached", "--name-only"}).out, "dbsync/items/00.jsonl\n");

  git(*a, {"commit", "-q", "-m", "database only"});
  EXPECT_EQ(git(*a, {"show", "--name-only", "--format=", "HEAD"}).out, "dbsync/items/00.jsonl\n");
  EXPECT_EQ(git(*a, {"status", "--porcelain", "--", "dbsync"}).out, "");

  // Nothing is left staged, so a rebasing pull runs, and b imports k2.
  b->exec("INSERT INTO items VALUES ('k3','b',3,'z')");
  git(*b, {"commit", "-q", "--allow-empty", "-m", "b"});
  git(*b, {"push", "-q", "origin", "HEAD:refs/heads/" + br});
  git(*a, {"pull", "-q", "--rebase", "origin", br});
  git(*a, {"push", "-q", "origin", "HEAD:refs/heads/" + br});
  git(*b, {"-c", "pull.rebase=false", "pull", "-q", "origin", br});
  EXPECT_EQ(a->rows().size(), 3u);
  EXPECT_EQ(a->rows(), b->rows());
}

}  // namespace
}  // namespace dbsync::e2e
