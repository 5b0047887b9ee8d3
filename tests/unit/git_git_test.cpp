#include "git/git.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_support/temp_dir.h"

namespace dbsync::git {
namespace {

TEST(GitRedact, RemovesPasswordsFromUrls) {
  EXPECT_EQ(redact_credentials("fetch https://alice:s3cret@example.com/r.git failed"),
            "fetch https://alice:***@example.com/r.git failed");
  EXPECT_EQ(redact_credentials("postgresql://bot:pw@localhost:5432/db"),
            "postgresql://bot:***@localhost:5432/db");
  EXPECT_EQ(redact_credentials("no url here"), "no url here");
  EXPECT_EQ(redact_credentials("ssh://git@host/x"), "ssh://git@host/x");
}

TEST(Git, ReportsHeadBranchAndFileContents) {
  TempDir dir;
  Git git(dir.path());
  ASSERT_TRUE(git.run({"init", "-q", "-b", "main"}).has_value());
  EXPECT_TRUE(git.is_repository());
  auto head = git.head();
  ASSERT_TRUE(head.has_value());
  EXPECT_FALSE(head->has_value()) << "an unborn branch has no HEAD commit";
  std::ofstream(dir.path() / "a.txt") << "hello\n";
  ASSERT_TRUE(git.run({"add", "a.txt"}));
  ASSERT_TRUE(git.run({"-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"}));
  head = git.head();
  ASSERT_TRUE(head.has_value() && head->has_value());
  EXPECT_EQ((*head)->size(), 40u);
  EXPECT_EQ(*git.current_branch().value(), "main");
  EXPECT_EQ(*git.show("HEAD", "a.txt").value(), "hello\n");
  EXPECT_FALSE(git.show("HEAD", "missing.txt").value().has_value());
  EXPECT_FALSE(git.has_changes({"."}).value());
  std::ofstream(dir.path() / "b.txt") << "x\n";
  EXPECT_TRUE(git.has_changes({"."}).value());
}

TEST(Git, FailureCarriesGitsMessage) {
  TempDir dir;
  Git git(dir.path());
  auto r = git.run({"log"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("not a git repository"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace dbsync::git
