#include <cstdio>

#include "cli/command.h"
#include "json/canonical.h"
#include "util/progress.h"

namespace dbsync::cli {

bool Output::show_progress() const { return !common_.json && Progress::terminal_allows(); }

void Output::text(const std::string& s) const {
  if (common_.json) return;
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void Output::emit(const json::Value& v) const {
  if (!common_.json) return;
  std::string line = json::to_canonical(v);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void Output::warn(const std::string& s) const { std::fprintf(stderr, "dbsync: warning: %s\n", s.c_str()); }

}  // namespace dbsync::cli
