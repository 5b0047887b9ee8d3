// HugeVector (sync/huge_vector.h): below 4 MiB it is a plain vector, above
// it its storage is mapped; growing across the line must move every
// element and free each buffer the way it was taken.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "sync/huge_vector.h"

namespace dbsync {
namespace {

struct Row {
  uint64_t id;
  uint64_t check;
};

TEST(HugeVector, GrowsAcrossTheMappedSizeKeepingEveryElement) {
  HugeVector<Row> rows;
  const uint64_t n = 1'000'000;  // 16 MB: starts on the heap, ends mapped
  for (uint64_t i = 0; i < n; ++i) rows.push_back({i, i * 2654435761u});
  ASSERT_EQ(rows.size(), n);
  ASSERT_GE(rows.capacity() * sizeof(Row), HugePageAllocator<Row>::kMappedFrom);
  for (uint64_t i = 0; i < n; i += 997) {
    ASSERT_EQ(rows[i].id, i);
    ASSERT_EQ(rows[i].check, i * 2654435761u);
  }
  rows.shrink_to_fit();  // mapped -> mapped of another size
  rows.resize(10);       // and back below the line
  rows.shrink_to_fit();
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows[9].id, 9u);
}

TEST(HugeVector, HoldsNonTrivialElements) {
  HugeVector<std::string> names;
  names.reserve(300'000);  // 9.6 MB of std::string: mapped from the start
  for (int i = 0; i < 300'000; ++i) names.push_back("name-" + std::to_string(i) + std::string(20, 'x'));
  HugeVector<std::string> moved = std::move(names);
  ASSERT_EQ(moved.size(), 300'000u);
  EXPECT_EQ(moved[123'456], "name-123456" + std::string(20, 'x'));
}

}  // namespace
}  // namespace dbsync
