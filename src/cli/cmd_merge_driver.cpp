// dbsync merge-driver %O %A %B %P: git's merge driver for one shard file
// (gitattributes(5) "Defining a custom merge driver"). Reads the base (%O),
// ours (%A) and theirs (%B) versions git hands over as temp files, merges
// them record by record (DESIGN §3 rules 1-6), writes the result into %A,
// and exits 0 when clean, 1 when `manual` conflicts remain (the result then
// holds a provisional resolution; the conflicts are written under
// .dbsync/conflicts/), and 130 on failure (the error is printed and %A is
// left untouched). It never writes conflict markers.
//
// %P is "dbsync/<collection>/<shard>.jsonl"; git runs the driver at the top
// of the working tree, where dbsync.toml and dbsync/<collection>/schema.json
// give the key and policies. Rule 7 (duplicates) needs the whole collection
// and is left to the folder-level pass that `dbsync sync` runs after the
// merge (docs/MERGE.md).
#include <fmt/format.h>

#include "cli/command.h"
#include "config/config.h"
#include "merge/conflict_files.h"
#include "merge/shard_merge.h"
#include "report/driver_log.h"
#include "report/report.h"
#include "snapshot/key.h"
#include "snapshot/layout.h"
#include "snapshot/verify.h"
#include "util/file.h"

namespace dbsync::cli {
namespace {

// git's convention for a driver that failed (above 128); docs/EXIT_CODES.md.
constexpr ErrorCode kDriverFailed = static_cast<ErrorCode>(130);

std::unexpected<Error> driver_failed(Error e) {
  e.code = kDriverFailed;
  if (e.hint.empty()) e.hint = "the merge of this file stopped; git keeps ours and marks it conflicted";
  return std::unexpected(std::move(e));
}

// "dbsync/<collection>/<shard>.jsonl" -> collection and shard number.
Status parse_shard_path(const std::string& path, const Config& config, std::string& collection,
                        uint32_t& shard) {
  std::string prefix = std::string(kSnapshotDirName) + "/";
  size_t slash = path.find('/', prefix.size());
  if (!path.starts_with(prefix) || slash == std::string::npos ||
      path.find('/', slash + 1) != std::string::npos) {
    return fail(ErrorCode::kUsage, "'" + path + "' is not a shard path dbsync/<collection>/<shard>.jsonl",
                "route only dbsync/**/*.jsonl to the dbsync merge driver in .gitattributes");
  }
  collection = path.substr(prefix.size(), slash - prefix.size());
  if (auto st = check_collection_name(collection); !st) return st;
  std::string file = path.substr(slash + 1);
  uint32_t count = config.collection(collection).shards;
  if (!parse_shard_file_name(file, count, shard)) {
    return fail(ErrorCode::kBadInput,
                "'" + path + "' is not a shard of a " + std::to_string(count) + "-shard collection",
                "check `shards` for '" + collection + "' in dbsync.toml");
  }
  return {};
}

class MergeDriverCommand : public Command {
 public:
  const char* name() const override { return "merge-driver"; }
  const char* summary() const override { return "Git merge driver for one shard file (%O %A %B %P)"; }
  void add_options(CLI::App& app) override {
    app.add_option("base", base_, "%O: the merge base version (a temp file)")->required();
    app.add_option("ours", ours_, "%A: our version; receives the result")->required();
    app.add_option("theirs", theirs_, "%B: their version")->required();
    app.add_option("path", path_, "%P: the path in the repository, dbsync/<collection>/<shard>.jsonl")
        ->required();
    app.footer(
        "Exit: 0 merged cleanly; 1 manual conflicts remain (see 'dbsync conflicts'); 130 the merge failed.\n"
        "Configure with: git config merge.dbsync.driver \"dbsync merge-driver %O %A %B %P\"");
  }

  Status run(const CommonOptions& common, const Output& out) override {
    std::filesystem::path repo = common.repo;
    auto config = load_config(repo);
    if (!config) return driver_failed(config.error());
    std::string collection;
    uint32_t shard = 0;
    if (auto st = parse_shard_path(path_, *config, collection, shard); !st) return driver_failed(st.error());
    const CollectionConfig& cc = config->collection(collection);
    SnapshotLayout layout(repo);
    auto key = collection_key(layout, *config, collection);
    if (!key) return driver_failed(key.error());

    auto base = read_file(base_);
    if (!base) return driver_failed(base.error());
    auto ours = read_file(ours_);
    if (!ours) return driver_failed(ours.error());
    auto theirs = read_file(theirs_);
    if (!theirs) return driver_failed(theirs.error());

    ShardMergeInput in;
    in.base = *base;
    in.ours = *ours;
    in.theirs = *theirs;
    in.base_label = path_ + " (base)";
    in.ours_label = path_ + " (ours)";
    in.theirs_label = path_ + " (theirs)";
    in.spec = ShardSpec{*key, shard, cc.shards, false};
    auto merged = merge_shard(in, cc);
    if (!merged) return driver_failed(merged.error());

    // The result first: git reads %A back whatever happens next.
    if (auto st = write_file_atomic(ours_, merged->bytes); !st) return driver_failed(st.error());

    Report report = shard_merge_report(collection, *merged);
    if (auto st = write_driver_record(repo, path_, shard, merged->bytes, report); !st) {
      out.warn("cannot record this merge for the report: " + st.error().message);
    }

    if (merged->result == MergeResult::kConflict) {
      for (auto& m : merged->manual) m.shard = shard;
      if (auto st = write_conflict_files(repo, collection, cc.shards, merged->manual); !st) {
        return driver_failed(st.error());
      }
      return fail(ErrorCode::kConflict,
                  fmt::format("'{}': {} record(s) with manual conflicts; a provisional result was written",
                              path_, merged->manual.size()),
                  "run 'dbsync conflicts' to list them and 'dbsync resolve' to settle them");
    }
    return {};
  }

 private:
  std::string base_, ours_, theirs_, path_;
};

}  // namespace

std::unique_ptr<Command> make_merge_driver_command() { return std::make_unique<MergeDriverCommand>(); }

}  // namespace dbsync::cli
