// PostgreSQL connection URLs: what may be shown and what must be hidden.
// libpq accepts "postgresql://user:secret@host/db?password=secret"; the
// password can sit in the authority or in a query parameter, and libpq's own
// messages may quote parts of the URL, so every message that leaves the
// store goes through redact_secrets(). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dbsync {

// The URL with the password replaced by "***" (the user name is kept: it
// helps and is not a secret).
std::string pg_display_url(std::string_view url);

// The secret strings a URL carries (passwords, raw and percent-decoded).
std::vector<std::string> pg_url_secrets(std::string_view url);

// `text` with every secret replaced by "***".
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace dbsync
