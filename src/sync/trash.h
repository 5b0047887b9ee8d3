// Retired matched-state generations (sync/matched.h) are renamed into
// `.dbsync/matched/trash-*` when a new generation is committed, and
// deleted by the next dbsync command on a second thread while it does its
// own work. Deleting a generation that a 1,000-record change rewrote whole
// means unlinking some 280 MB in 256 files: about a fifth of a second of
// waiting on the file system, which no longer sits on any command's
// critical path. Until then the trash takes disk space (at most one
// generation's worth of files that no snapshot shares).
//
// TrashSweeper is not thread-safe; its destructor waits for the deletion.
// Deletion is best effort: a folder two processes delete at once, or one
// that fails to go, is tried again by the next command.
#pragma once

#include <filesystem>
#include <thread>

#include "sync/local_state.h"
#include "util/error.h"

namespace dbsync {

// Renames every generation folder but `keep` into the trash (a rename
// each). Generation names are numbers, so create_generation never picks a
// trash name.
Status retire_stale_generations(const LocalPaths& paths, const std::string& keep);

class TrashSweeper {
 public:
  TrashSweeper() = default;
  TrashSweeper(const TrashSweeper&) = delete;
  TrashSweeper& operator=(const TrashSweeper&) = delete;
  ~TrashSweeper();
  // Starts deleting the trash folders that exist now (folders retired
  // later are left for the next command).
  void start(const LocalPaths& paths);
  // Waits until the deletion started by start() has finished.
  void wait();

 private:
  std::thread worker_;
};

}  // namespace dbsync
