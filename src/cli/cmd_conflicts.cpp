// dbsync conflicts [--prune]: the records a merge under policy `manual` left
// for the user to decide (sync/conflicts.h): per record the fields in
// conflict with their base, ours and theirs values and which value the shard
// holds meanwhile. Entries whose shard no longer holds the provisional
// record (the merge was redone or aborted) are flagged stale; --prune
// removes them.
#include <fmt/format.h>

#include "cli/command.h"
#include "json/canonical.h"
#include "sync/conflicts.h"

namespace dbsync::cli {
namespace {

using json::Value;

std::string show(const Value* v) {
  if (v == nullptr) return "(missing)";
  std::string s = json::to_canonical(*v);
  if (s.size() > 200) s = s.substr(0, 200) + "…";
  return s;
}

std::string render_conflict(const StoredConflict& sc) {
  const Value& c = sc.content;
  const Value* kind = c.find("kind");
  bool duplicate = kind != nullptr && kind->is_string() && kind->as_string() == "duplicate";
  std::string out = fmt::format("{} {}  ({}{})\n", sc.collection, sc.key, sc.path,
                                duplicate ? "; theirs is a duplicate under `unique`, merged into ours" : "");
  const Value* fields = c.find("fields");
  if (fields != nullptr && fields->is_array()) {
    for (const Value& f : fields->as_array()) {
      const Value* name = f.find("field");
      const Value* ours = f.find("ours");
      const Value* theirs = f.find("theirs");
      const Value* chosen = f.find("chosen");
      std::string side = chosen == nullptr                         ? ""
                         : ours != nullptr && *ours == *chosen     ? " (ours)"
                         : theirs != nullptr && *theirs == *chosen ? " (theirs)"
                                                                   : "";
      out += fmt::format("  {}: base {}, ours {}, theirs {}; the shard holds {}{} for now\n",
                         name != nullptr && name->is_string() ? name->as_string() : "?", show(f.find("base")),
                         show(ours), show(theirs), show(chosen), side);
    }
  }
  return out;
}

Value entry_json(const StoredConflict& sc) {
  Value v = sc.content.is_object() ? sc.content : Value(json::Object{});
  v.set("current", Value(sc.current));
  v.set("file", Value(sc.file.string()));
  return v;
}

class ConflictsCommand : public Command {
 public:
  const char* name() const override { return "conflicts"; }
  const char* summary() const override {
    return "List records a merge left for you to decide (manual policy)";
  }
  void add_options(CLI::App& app) override {
    app.add_flag("--prune", options_.prune,
                 "Remove stale entries (their shard no longer holds the value the merge left)");
  }
  Status run(const CommonOptions& common, const Output& out) override {
    options_.repo = common.repo;
    auto list = list_conflicts(options_);
    if (!list) return std::unexpected(list.error());
    std::string text;
    if (list->current.empty()) {
      text += "no conflicts wait for a decision\n";
    } else {
      text += fmt::format("{} record{} wait{} for your decision (policy manual):\n\n", list->current.size(),
                          list->current.size() == 1 ? "" : "s", list->current.size() == 1 ? "s" : "");
      for (const auto& sc : list->current) text += render_conflict(sc) + "\n";
      text +=
          "decide each with: dbsync resolve KEY --take ours|theirs|FILE [--collection NAME]\n"
          "  KEY: the key as listed, or the plain value of a one-field key\n"
          "  ours: this replica's record; theirs: the one merged in; FILE: a JSON object, the whole record\n"
          "then run 'dbsync sync' to commit, import and push the decisions\n";
    }
    if (list->pruned > 0) {
      text += fmt::format("removed {} stale entr{}\n", list->pruned, list->pruned == 1 ? "y" : "ies");
    } else if (!list->stale.empty()) {
      text += fmt::format(
          "{} stale entr{} (the shard no longer holds the value the merge left: the merge was redone or "
          "aborted); remove with 'dbsync conflicts --prune'\n",
          list->stale.size(), list->stale.size() == 1 ? "y" : "ies");
    }
    out.text(text);
    json::Array current, stale;
    for (const auto& sc : list->current) current.push_back(entry_json(sc));
    for (const auto& sc : list->stale) stale.push_back(entry_json(sc));
    out.emit(json::make_object({{"ok", Value(true)},
                                {"conflicts", Value(std::move(current))},
                                {"stale", Value(std::move(stale))},
                                {"pruned", Value(static_cast<int64_t>(list->pruned))}}));
    return {};
  }

 private:
  ListConflictsOptions options_;
};

}  // namespace

std::unique_ptr<Command> make_conflicts_command() { return std::make_unique<ConflictsCommand>(); }

}  // namespace dbsync::cli
