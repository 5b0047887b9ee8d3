// Folders of the matched state other than the live generation (a delta an
// export wrote before it was killed, or a generation an older dbsync
// replaced whole), and the generation files a fold replaces or drops
// (sync/matched_delta.h), are renamed into `.dbsync/matched/trash-*` when
// a matched state is committed, and deleted by the next dbsync command on
// a second thread while it does its own work: deleting a generation means
// unlinking up to 280 MB in thousands of files, and freeing the blocks of
// a 1 MB shard file costs about half a millisecond on a disk mounted with
// `discard`, which so sits on no command's critical path. Until then the
// trash takes disk space.
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

// True for the name of a folder in the trash.
bool is_trash_folder(const std::string& name);

// A path in the trash no folder has yet, named after `what` it will hold;
// the caller creates it.
std::filesystem::path new_trash_folder(const LocalPaths& paths, const std::string& what);

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
