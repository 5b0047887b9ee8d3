// A second, independent reading of JSON text against dbsync's policy
// (docs/JSON.md), used to explain a rejection precisely.
//
// json::parse() lets simdjson do the fast work and only calls diagnose() once
// it knows the text is bad: simdjson says *what* kind of thing failed, not
// *where*. diagnose() walks the text byte by byte and returns the first
// violation in text order, with its 0-based byte offset and a message in
// git's style. It accepts exactly what parse() accepts; the fuzzer
// (tests/fuzz/json_parse_fuzzer.cpp) checks that the two agree.
//
// Not fast and not meant to be: it is the error path (and the fuzzer's
// oracle).
// Thread-safe; no recursion, so any nesting is safe to diagnose.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "json/parse.h"

namespace dbsync::json {

struct Diagnosis {
  size_t offset = 0;  // first byte at fault
  std::string what;   // "duplicate object key \"a\""
  std::string hint;   // what the user can do; may be empty
};

// Returns the first violation of the parsing policy, or nullopt when
// parse(text, limits) would accept the text.
std::optional<Diagnosis> diagnose(std::string_view text, const ParseLimits& limits = {});

// Finds number literals in text that is known to be valid JSON, in document
// order. parse() uses it to look at the spelling of a number simdjson has
// already converted (to tell 0.0 from an underflow such as 1e-400).
class NumberTokens {
 public:
  explicit NumberTokens(std::string_view text) : text_(text) {}
  // The index-th number literal (0-based). REQUIRES: indexes asked for
  // never decrease; the text is valid JSON with more than `index` numbers.
  std::string_view token(size_t index);

 private:
  std::string_view text_;
  size_t pos_ = 0;    // scan position
  size_t count_ = 0;  // numbers passed so far
  std::string_view last_;
};

// True when a number literal (JSON grammar) has a non-zero digit before its
// exponent, i.e. denotes a value other than zero.
bool literal_is_nonzero(std::string_view token);

}  // namespace dbsync::json
