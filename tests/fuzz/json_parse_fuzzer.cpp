// libFuzzer target over json::parse (docs/JSON.md §5). For any input:
// - parse() and the independent second reader diagnose() agree on accept or
//   reject, and a rejection's message is diagnose()'s, with an offset no
//   larger than the input;
// - an accepted value, written canonically, parses back to an equal value
//   (bitwise for doubles) and writing that again gives the same bytes;
// - the RFC 8785 profile's text parses too, unless an integer beyond int64
//   came out of rounding to a double (which RFC 8785 requires).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "json/canonical.h"
#include "json/diagnose.h"
#include "json/parse.h"

namespace {

using dbsync::json::ParseLimits;

void check(std::string_view text, const ParseLimits& limits) {
  auto value = dbsync::json::parse(text, limits);
  auto diagnosis = dbsync::json::diagnose(text, limits);
  if (!value) {
    FUZZ_CHECK(diagnosis.has_value(), "parse() rejects what diagnose() accepts", value.error().message);
    FUZZ_CHECK(value.error().code == dbsync::ErrorCode::kBadInput, "rejection is not kBadInput",
               value.error().message);
    FUZZ_CHECK(
        value.error().message == "at byte " + std::to_string(diagnosis->offset) + ": " + diagnosis->what,
        "parse() message differs from diagnose()", value.error().message);
    FUZZ_CHECK(diagnosis->offset <= text.size(), "error offset beyond the input", value.error().message);
    return;
  }
  std::string canonical = dbsync::json::to_canonical(*value);
  FUZZ_CHECK(!diagnosis.has_value(), "diagnose() rejects what parse() accepts", diagnosis->what);

  // Canonical text can be longer than the input ("1E2" -> "100.0"), so only
  // the depth limit carries over.
  ParseLimits again_limits{.max_depth = limits.max_depth, .max_bytes = size_t{1} << 30};
  auto again = dbsync::json::parse(canonical, again_limits);
  FUZZ_CHECK(again.has_value(), "canonical text does not parse", canonical);
  FUZZ_CHECK(*again == *value, "canonical text parses to a different value", canonical);
  FUZZ_CHECK(dbsync::json::to_canonical(*again) == canonical, "canonical text is not a fixed point",
             canonical);

  std::string jcs = dbsync::json::to_canonical(*value, dbsync::json::NumberProfile::kJcs);
  auto jcs_value = dbsync::json::parse(jcs, again_limits);
  if (jcs_value) {
    FUZZ_CHECK(dbsync::json::to_canonical(*jcs_value, dbsync::json::NumberProfile::kJcs) == jcs,
               "JCS text is not a fixed point", jcs);
  } else {
    FUZZ_CHECK(jcs_value.error().message.find("outside the int64 range") != std::string::npos,
               "JCS text does not parse", jcs_value.error().message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, ParseLimits{});
  // Tight limits reach the depth and size checks with small inputs.
  check(text, ParseLimits{.max_depth = 3, .max_bytes = 64});
  return 0;
}
