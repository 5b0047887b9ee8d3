// A check for libFuzzer targets: on failure, print what broke and abort, so
// libFuzzer saves the input as a crash (scripts/fuzz.sh exits non-zero).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, what, detail)                                                                       \
  do {                                                                                                       \
    if (!(cond)) {                                                                                           \
      const std::string fuzz_detail_(detail);                                                                \
      std::fprintf(stderr, "\nFUZZ_CHECK failed at %s:%d: %s\n  (%s)\n  %.*s\n", __FILE__, __LINE__, (what), \
                   #cond, static_cast<int>(fuzz_detail_.size() > 2000 ? 2000 : fuzz_detail_.size()),         \
                   fuzz_detail_.data());                                                                     \
      std::abort();                                                                                          \
    }                                                                                                        \
  } while (0)
