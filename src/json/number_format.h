// Floating-point text for canonical JSON (DESIGN §2).
//
// Both profiles print the shortest decimal that round-trips to the same
// double, laid out as ECMAScript's Number.prototype.toString does (RFC 8785
// §3.2.2.3). The dbsync profile differs in one place: a double whose value is
// integral and printed without an exponent gets ".0" (REAL 1.0 -> "1.0", not
// "1"), so it is never read back as an integer, and -0.0 stays "-0.0".
#pragma once

#include <string>

namespace dbsync::json {

enum class NumberProfile {
  kDbsync,  // the snapshot format: doubles always show '.' or an exponent
  kJcs,     // RFC 8785 exactly (integers beyond +-2^53 too are printed as the
            // double nearest to them), used to check the published vectors
};

// REQUIRES: std::isfinite(d).
void append_double(std::string& out, double d, NumberProfile profile);

}  // namespace dbsync::json
