// The replica's hybrid logical clock (DESIGN §1), persisted in
// .dbsync/clock as "<millis> <counter>\n". tick() issues a rev greater than
// every rev issued or observed before, even when the wall clock goes back;
// observe() moves the clock past a rev another replica wrote, so an edit
// made after seeing it always carries a greater rev. Not thread-safe; the
// replica lock serialises its users.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "snapshot/rev.h"
#include "util/error.h"

namespace dbsync {

class HybridClock {
 public:
  using WallClock = std::function<int64_t()>;  // UTC milliseconds

  // Reads the state file (missing: a fresh clock). A damaged file is kBadInput.
  static Result<HybridClock> load(const std::filesystem::path& path, std::string replica,
                                  WallClock wall = {});

  Rev tick();
  void observe(const Rev& rev);
  // Writes the state atomically.
  Status save() const;

  int64_t millis() const { return millis_; }
  uint32_t counter() const { return counter_; }

 private:
  std::filesystem::path path_;
  std::string replica_;
  WallClock wall_;
  int64_t millis_ = 0;
  uint32_t counter_ = 0;
};

int64_t wall_clock_millis();

}  // namespace dbsync
