// Anonymous memory backed by transparent huge pages where the kernel offers
// them (madvise mode): for the few large buffers that hold a record per row
// (sync/block_arena.h, sync/huge_vector.h). Filling fresh memory costs a
// page fault per 4 KiB page otherwise, and on the virtual machines measured
// those faults were much of what building such buffers cost.
#pragma once

#include <cstddef>

namespace dbsync {

// `bytes` of zeroed memory, or nullptr when the kernel refuses.
char* map_huge_pages(size_t bytes);
void unmap_huge_pages(char* p, size_t bytes);

}  // namespace dbsync
