#include "json/number_format.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace dbsync::json {

void append_double(std::string& out, double d, NumberProfile profile) {
  if (d == 0) {
    if (std::signbit(d) && profile == NumberProfile::kDbsync) {
      out += "-0.0";
    } else {
      out += profile == NumberProfile::kDbsync ? "0.0" : "0";
    }
    return;
  }
  // Shortest round-trip digits in scientific form: "d[.ddd]e±XX".
  char sci[64];
  auto res = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific);
  std::string_view text(sci, static_cast<size_t>(res.ptr - sci));
  bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  size_t e_pos = text.find('e');
  std::string_view mantissa = text.substr(0, e_pos);
  int exp10 = 0;
  std::from_chars(text.data() + e_pos + 1 + (text[e_pos + 1] == '+'), text.data() + text.size(), exp10);
  char digits[32];
  size_t k = 0;
  for (char c : mantissa) {
    if (c != '.') digits[k++] = c;
  }
  // ECMAScript: value = 0.d1d2…dk × 10^n.
  int n = exp10 + 1;
  int kk = static_cast<int>(k);
  if (negative) out += '-';
  if (kk <= n && n <= 21) {
    out.append(digits, k);
    out.append(static_cast<size_t>(n - kk), '0');
    if (profile == NumberProfile::kDbsync) out += ".0";
  } else if (0 < n && n <= 21) {
    out.append(digits, static_cast<size_t>(n));
    out += '.';
    out.append(digits + n, static_cast<size_t>(kk - n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out.append(digits, k);
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits + 1, k - 1);
    }
    out += 'e';
    int e = n - 1;
    out += e < 0 ? '-' : '+';
    out += std::to_string(e < 0 ? -e : e);
  }
}

}  // namespace dbsync::json
