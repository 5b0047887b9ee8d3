#include <gtest/gtest.h>

#include "util/process.h"

namespace dbsync {
namespace {

TEST(Process, CapturesOutputAndExitCode) {
  auto r = run_process({"sh", "-c", "printf out; printf err >&2; exit 3"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out");
  EXPECT_EQ(r->err, "err");
}

TEST(Process, ArgumentsAreNeverInterpretedByAShell) {
  auto r = run_process({"printf", "%s", "$(echo injected); `id`"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out, "$(echo injected); `id`");
}

TEST(Process, FeedsLargeStdinWithoutDeadlock) {
  ProcessOptions opts;
  opts.stdin_data.assign(1 << 20, 'x');
  auto r = run_process({"cat"}, opts);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out.size(), size_t{1} << 20);
}

TEST(Process, MissingProgramIsUnavailable) {
  auto r = run_process({"dbsync-no-such-program"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace dbsync
