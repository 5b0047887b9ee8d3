// Runs a merge of another snapshot or an export file into this replica and
// prints the outcome. Shared by `dbsync merge SOURCE` and `dbsync import
// --from FILE`, which are one operation under two names (docs/MERGE_FILES.md).
#pragma once

#include <string>

#include "cli/command.h"
#include "util/error.h"

namespace dbsync::cli {

struct MergeSourceRequest {
  std::string repo;
  std::string db_url;
  std::string source;
  std::string collection;       // empty: the file name's stem
  std::string format = "auto";  // auto, array, collections or ndjson
};

Status run_merge_source_command(const MergeSourceRequest& request, const Output& out);

}  // namespace dbsync::cli
