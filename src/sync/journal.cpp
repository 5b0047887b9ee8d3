#include "sync/journal.h"

#include "json/canonical.h"
#include "json/parse.h"
#include "util/file.h"

namespace dbsync {

Status write_journal(const LocalPaths& paths, const ImportJournal& j) {
  json::Value v = json::make_object({{"op", j.op}, {"backup", j.backup}, {"started", j.started}});
  return write_file_atomic(paths.journal(), json::to_canonical(v) + "\n");
}

Result<std::optional<ImportJournal>> read_journal(const LocalPaths& paths) {
  std::error_code ec;
  if (!std::filesystem::exists(paths.journal(), ec)) return std::optional<ImportJournal>();
  auto text = read_file(paths.journal());
  if (!text) return std::unexpected(text.error());
  auto v = json::parse(*text);
  ImportJournal j;
  for (auto [name, out] :
       {std::pair{"op", &j.op}, std::pair{"backup", &j.backup}, std::pair{"started", &j.started}}) {
    const json::Value* f = v ? v->find(name) : nullptr;
    if (!f || !f->is_string()) {
      // A journal cut short by a crash still says an import was running.
      j.op = "import";
      break;
    }
    *out = f->as_string();
  }
  return std::optional<ImportJournal>(std::move(j));
}

Status remove_journal(const LocalPaths& paths) { return remove_file_durable(paths.journal()); }

}  // namespace dbsync
