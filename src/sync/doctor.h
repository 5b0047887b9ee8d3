// dbsync doctor: checks that a replica can sync — git present and the
// folder a repository, dbsync.toml and local settings valid, the database
// reachable, the merge driver configured and pointing at an executable, the
// shard files routed to it, hooks (informational), and free disk space.
// Every URL shown has its credentials removed. Read-only.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/error.h"

namespace dbsync {

enum class CheckLevel { kOk, kWarn, kFail };

struct DoctorCheck {
  std::string name;
  CheckLevel level = CheckLevel::kOk;
  std::string detail;
};

struct DoctorOptions {
  std::filesystem::path repo = ".";
  std::string db_url;
};

std::vector<DoctorCheck> run_doctor(const DoctorOptions& options);

const char* check_level_name(CheckLevel level);

}  // namespace dbsync
