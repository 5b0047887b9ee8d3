// Standard base64 (RFC 4648 §4, with padding), as Extended JSON's $binary
// uses it. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dbsync {

void append_base64(std::string& out, std::string_view bytes);
// nullopt on any character outside the alphabet, bad padding or length.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace dbsync
