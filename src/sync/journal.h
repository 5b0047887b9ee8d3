// The import journal (.dbsync/journal): written (atomically, fsync'd) after
// the backup and before the transaction changes anything, removed once the
// new matched state is committed. Finding it means an import stopped part
// way; the next import checks whether its transaction committed (the
// backup's after-hashes against the database), marks the backup, and then
// simply runs again: an import is idempotent per record (a record already
// as the snapshot says counts as in sync), so the rerun converges.
#pragma once

#include <optional>
#include <string>

#include "sync/local_state.h"
#include "util/error.h"

namespace dbsync {

struct ImportJournal {
  std::string op;  // import | restore
  std::string backup;
  std::string started;
};

Status write_journal(const LocalPaths& paths, const ImportJournal& journal);
Result<std::optional<ImportJournal>> read_journal(const LocalPaths& paths);
Status remove_journal(const LocalPaths& paths);

}  // namespace dbsync
