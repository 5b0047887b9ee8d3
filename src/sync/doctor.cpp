#include "sync/doctor.h"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "config/config.h"
#include "git/git.h"
#include "report/report.h"
#include "sync/init.h"
#include "sync/replica.h"
#include "util/file.h"

namespace dbsync {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The executable a driver command line starts with: 'path' or path.
std::string driver_executable(const std::string& driver) {
  if (!driver.empty() && driver[0] == '\'') {
    std::string out;
    for (size_t i = 1; i < driver.size(); ++i) {
      if (driver.compare(i, 4, "'\\''") == 0) {
        out += '\'';
        i += 3;
      } else if (driver[i] == '\'') {
        break;
      } else {
        out += driver[i];
      }
    }
    return out;
  }
  return driver.substr(0, driver.find(' '));
}

}  // namespace

const char* check_level_name(CheckLevel level) {
  switch (level) {
    case CheckLevel::kOk: return "ok";
    case CheckLevel::kWarn: return "warn";
    case CheckLevel::kFail: return "FAIL";
  }
  return "?";
}

std::vector<DoctorCheck> run_doctor(const DoctorOptions& options) {
  std::vector<DoctorCheck> checks;
  auto add = [&](std::string name, CheckLevel level, std::string detail) {
    checks.push_back({std::move(name), level, git::redact_credentials(std::move(detail))});
  };
  git::Git git(options.repo);
  auto version = run_process({"git", "--version"});
  if (!version || version->exit_code != 0) {
    add("git", CheckLevel::kFail, "the git executable is not on PATH; apt-get install git");
  } else {
    add("git", CheckLevel::kOk, trim(version->out));
  }
  bool repo = git.is_repository();
  add("repository", repo ? CheckLevel::kOk : CheckLevel::kFail,
      repo ? fs::absolute(options.repo).lexically_normal().string()
           : "not a git repository; run 'dbsync init'");

  auto config = load_config(options.repo);
  add("dbsync.toml", config ? CheckLevel::kOk : CheckLevel::kFail,
      config ? fmt::format("{} configured collection(s)", config->collections.size())
             : config.error().message);

  ReplicaOptions ro;
  ro.repo = options.repo;
  ro.db_url = options.db_url;
  auto replica = open_replica(ro);
  if (!replica) {
    add("database", CheckLevel::kFail, replica.error().message);
  } else {
    add("replica", CheckLevel::kOk, replica->local.replica);
    // The store's own display form keeps the user and hides only the
    // password, which is what someone checking a connection needs to see.
    Status st = replica->store->check();
    std::string url = replica->store->display_url();
    add("database", st ? CheckLevel::kOk : CheckLevel::kFail,
        st ? url + " reachable" : url + ": " + st.error().message);
  }

  if (repo) {
    auto driver = git.try_run({"config", "--get", "merge.dbsync.driver"});
    if (!driver || driver->exit_code != 0) {
      add("merge driver", CheckLevel::kFail, "merge.dbsync.driver is not set; run 'dbsync init'");
    } else {
      std::string exe = driver_executable(trim(driver->out));
      bool runnable = ::access(exe.c_str(), X_OK) == 0;
      add("merge driver", runnable ? CheckLevel::kOk : CheckLevel::kFail,
          runnable ? exe
                   : "'" + exe + "' is not an executable; run 'dbsync init' again from the dbsync you use");
    }
    auto attr = git.try_run({"check-attr", "merge", "--", "dbsync/x/00.jsonl"});
    bool routed = attr && attr->out.find("merge: dbsync") != std::string::npos;
    add(".gitattributes", routed ? CheckLevel::kOk : CheckLevel::kFail,
        routed ? "shard files use the dbsync merge driver"
               : std::string("shard files are not routed to the driver; add '") + kAttributesLine + "'");
    auto hooks = git.try_run({"rev-parse", "--git-path", "hooks/post-merge"});
    bool have_hooks = false;
    if (hooks && hooks->exit_code == 0) {
      fs::path p = trim(hooks->out);
      if (p.is_relative()) p = options.repo / p;
      auto text = read_file(p);
      have_hooks = text && text->find(kHookMarker) != std::string::npos;
    }
    add("hooks", CheckLevel::kOk,
        have_hooks ? "installed"
                   : "not installed (optional: 'dbsync init --hooks'; 'dbsync sync' does not need them)");
  }

  struct statvfs fsinfo {};
  if (::statvfs(fs::absolute(options.repo).c_str(), &fsinfo) == 0) {
    uint64_t free_bytes = static_cast<uint64_t>(fsinfo.f_bavail) * fsinfo.f_frsize;
    add("disk", free_bytes < (uint64_t{256} << 20) ? CheckLevel::kWarn : CheckLevel::kOk,
        fmt::format("{:.1f} GiB free", static_cast<double>(free_bytes) / (1 << 30)));
  }
  return checks;
}

}  // namespace dbsync
