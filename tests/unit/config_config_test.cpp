// dbsync.toml (docs/CONFIG.md): every setting, defaults, and errors that
// name file, line and key.
#include "config/config.h"

#include <gtest/gtest.h>

#include "unit/snapshot_test_util.h"

namespace dbsync {
namespace {

constexpr const char* kFull = R"(# a full configuration
version = 1
database = "sqlite:bot.db"
change_tracking = "triggers"

[defaults]
policy = "more-complete"
on_delete_conflict = "delete"
shards = 2
preserve = ["note"]

[collections.pnl_data]
key = ["user_id", "timestamp"]
shards = 256
policy = "newer"
timestamp_field = "updated_at"
preserve = ["profit_usd", "profit_sol"]
unique = [["user_id", "ticker", "timestamp"], ["tx"]]
on_delete_conflict = "keep"

[collections.users]
policy = "manual"

[collections."odd.name"]
shards = 1
)";

TEST(Config, ParsesEverySetting) {
  auto c = parse_config(kFull, "dbsync.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(c->database, "sqlite:bot.db");
  EXPECT_EQ(c->change_tracking, ChangeTracking::kTriggers);
  EXPECT_EQ(c->defaults.policy, ConflictPolicy::kMoreComplete);
  EXPECT_EQ(c->defaults.on_delete_conflict, DeleteConflict::kDelete);
  EXPECT_EQ(c->defaults.shards, 2u);
  EXPECT_EQ(c->defaults.preserve, std::vector<std::string>{"note"});

  const CollectionConfig& pnl = c->collection("pnl_data");
  EXPECT_EQ(pnl.key, (std::vector<std::string>{"user_id", "timestamp"}));
  EXPECT_EQ(pnl.shards, 256u);
  EXPECT_EQ(pnl.policy, ConflictPolicy::kNewer);
  EXPECT_EQ(pnl.timestamp_field, "updated_at");
  EXPECT_EQ(pnl.preserve, (std::vector<std::string>{"profit_usd", "profit_sol"}));
  ASSERT_EQ(pnl.unique.size(), 2u);
  EXPECT_EQ(pnl.unique[0], (std::vector<std::string>{"user_id", "ticker", "timestamp"}));
  EXPECT_EQ(pnl.unique[1], std::vector<std::string>{"tx"});
  EXPECT_EQ(pnl.on_delete_conflict, DeleteConflict::kKeep);

  EXPECT_EQ(c->collection("odd.name").shards, 1u);
}

TEST(Config, CollectionsInheritTheDefaults) {
  auto c = parse_config(kFull, "dbsync.toml");
  ASSERT_TRUE(c.has_value());
  const CollectionConfig& users = c->collection("users");
  EXPECT_EQ(users.policy, ConflictPolicy::kManual);              // its own
  EXPECT_EQ(users.shards, 2u);                                   // from [defaults]
  EXPECT_EQ(users.on_delete_conflict, DeleteConflict::kDelete);  // from [defaults]
  EXPECT_EQ(users.preserve, std::vector<std::string>{"note"});
  EXPECT_TRUE(users.key.empty());
  // A collection without a section gets the defaults.
  const CollectionConfig& other = c->collection("not_listed");
  EXPECT_EQ(other.shards, 2u);
  EXPECT_EQ(other.policy, ConflictPolicy::kMoreComplete);
}

TEST(Config, EmptyTextGivesBuiltInDefaults) {
  auto c = parse_config("", "dbsync.toml");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(c->database, "");
  EXPECT_EQ(c->change_tracking, ChangeTracking::kOff);  // the application's schema is left alone
  EXPECT_EQ(c->defaults.shards, 1u);
  EXPECT_EQ(c->defaults.policy, ConflictPolicy::kNewer);
  EXPECT_EQ(c->defaults.on_delete_conflict, DeleteConflict::kKeep);
  EXPECT_TRUE(c->defaults.key.empty());
  EXPECT_TRUE(c->defaults.timestamp_field.empty());
  EXPECT_TRUE(c->defaults.preserve.empty());
  EXPECT_TRUE(c->defaults.unique.empty());
}

struct Bad {
  const char* text;
  const char* message;  // the whole message: file, line, key, why
};

TEST(Config, RejectsBadValuesNamingFileLineAndKey) {
  const Bad cases[] = {
      {"[collections.pnl]\nshards = 3\n",
       "'dbsync.toml' line 2, key 'collections.pnl.shards': shards must be a power of two from 1 to 4096"},
      {"[collections.pnl]\n\nshards = 0\n",
       "'dbsync.toml' line 3, key 'collections.pnl.shards': shards must be"},
      {"[defaults]\nshards = 8192\n", "'dbsync.toml' line 2, key 'defaults.shards': shards must be"},
      {"[defaults]\nshards = 256.0\n", "'dbsync.toml' line 2, key 'defaults.shards': shards must be"},
      {"[defaults]\nshards = \"4\"\n", "'dbsync.toml' line 2, key 'defaults.shards': shards must be"},
      {"[defaults]\npolicy = \"oldest\"\n",
       "'dbsync.toml' line 2, key 'defaults.policy': policy must be \"newer\", \"more-complete\" or "
       "\"manual\""},
      {"[defaults]\npolicy = 1\n", "'dbsync.toml' line 2, key 'defaults.policy': policy must be"},
      {"[collections.a]\non_delete_conflict = \"maybe\"\n",
       "'dbsync.toml' line 2, key 'collections.a.on_delete_conflict': on_delete_conflict must be \"keep\" or "
       "\"delete\""},
      {"[collections.a]\nkey = []\n",
       "'dbsync.toml' line 2, key 'collections.a.key': a key needs at least one field"},
      {"[collections.a]\nkey = \"id\"\n",
       "'dbsync.toml' line 2, key 'collections.a.key': expected a list of field names"},
      {"[collections.a]\nkey = [\"id\", \"\"]\n",
       "'dbsync.toml' line 2, key 'collections.a.key': expected a non-empty field name"},
      {"[collections.a]\npreserve = [1]\n",
       "'dbsync.toml' line 2, key 'collections.a.preserve': expected a non-empty"},
      {"[collections.a]\nunique = [[]]\n",
       "'dbsync.toml' line 2, key 'collections.a.unique': an empty field list"},
      {"[collections.a]\nunique = [\"x\"]\n",
       "'dbsync.toml' line 2, key 'collections.a.unique': expected a list"},
      {"[collections.a]\nunique = \"x\"\n",
       "'dbsync.toml' line 2, key 'collections.a.unique': expected a list of field lists"},
      {"[collections.a]\ntimestamp_field = 5\n",
       "'dbsync.toml' line 2, key 'collections.a.timestamp_field': expected a field name"},
      {"[collections.a]\nshard = 4\n", "'dbsync.toml' line 2, key 'collections.a.shard': unknown setting"},
      {"change_tracking = \"always\"\n",
       "'dbsync.toml' line 1, key 'change_tracking': change_tracking must be \"off\" or \"triggers\""},
      {"change_tracking = true\n", "'dbsync.toml' line 1, key 'change_tracking': change_tracking must be"},
      {"version = 2\n", "'dbsync.toml' line 1, key 'version': this dbsync reads version 1"},
      {"version = 1.0\n", "'dbsync.toml' line 1, key 'version': this dbsync reads version 1"},
      {"database = 5\n", "'dbsync.toml' line 1, key 'database': expected a URL string"},
      {"\nremote = \"x\"\n", "'dbsync.toml' line 2, key 'remote': unknown setting"},
      {"defaults = 1\n", "'dbsync.toml' line 1, key 'defaults': expected a table"},
      {"collections = [1]\n", "'dbsync.toml' line 1, key 'collections': expected a table"},
      {"[collections]\npnl = 1\n", "'dbsync.toml' line 2, key 'collections.pnl': expected a table"},
      {"[collections.\"../x\"]\nshards = 1\n",
       "'dbsync.toml' line 1, key 'collections.../x': collection name '../x' is not a plain name"},
      {"[collections.\"a'b\"]\n",
       "'dbsync.toml' line 1, key 'collections.a'b': collection name 'a'b' is not"},
      {"[defaults]\nshards = \n", "'dbsync.toml' line 2: "},
      {"x = 1\nx = 2\n", "'dbsync.toml' line 2: "},
  };
  for (const Bad& b : cases) {
    auto c = parse_config(b.text, "dbsync.toml");
    ASSERT_FALSE(c.has_value()) << b.text;
    EXPECT_EQ(c.error().code, ErrorCode::kUsage) << b.text;
    EXPECT_EQ(c.error().message.substr(0, std::string_view(b.message).size()), b.message)
        << "text: " << b.text << "\nmessage: " << c.error().message;
  }
}

TEST(Config, SyntaxErrorsAreInGitStyle) {
  auto c = parse_config("x = 1\nx = 2\n", "dbsync.toml");
  ASSERT_FALSE(c.has_value());
  char after = c.error().message[std::string("'dbsync.toml' line 2: ").size()];
  EXPECT_TRUE(std::islower(static_cast<unsigned char>(after))) << c.error().message;
}

TEST(Config, RenderedConfigParsesBackToTheSame) {
  std::string full = std::string(kFull);
  full.insert(full.find("[defaults]\n") + 11, "key = [\"_id\"]\n");
  auto c = parse_config(full, "dbsync.toml");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  ASSERT_EQ(c->collection("users").key, std::vector<std::string>{"_id"});
  std::string text = render_config(*c);
  auto back = parse_config(text, "rendered.toml");
  ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << text;
  EXPECT_EQ(back->database, c->database);
  EXPECT_EQ(back->change_tracking, c->change_tracking);
  EXPECT_EQ(back->defaults.key, c->defaults.key);
  EXPECT_EQ(back->defaults.shards, c->defaults.shards);
  EXPECT_EQ(back->defaults.policy, c->defaults.policy);
  EXPECT_EQ(back->defaults.preserve, c->defaults.preserve);
  ASSERT_EQ(back->collections.size(), c->collections.size());
  for (const auto& [name, want] : c->collections) {
    const CollectionConfig& got = back->collection(name);
    EXPECT_EQ(got.key, want.key) << name;
    EXPECT_EQ(got.shards, want.shards) << name;
    EXPECT_EQ(got.policy, want.policy) << name;
    EXPECT_EQ(got.timestamp_field, want.timestamp_field) << name;
    EXPECT_EQ(got.preserve, want.preserve) << name;
    EXPECT_EQ(got.unique, want.unique) << name;
    EXPECT_EQ(got.on_delete_conflict, want.on_delete_conflict) << name;
  }
}

TEST(Config, LoadsFromTheRepoOrFallsBackToDefaults) {
  testing::ScratchDir dir;
  auto none = load_config(dir.path());
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->defaults.shards, 1u);
  testing::spit(dir.path() / "dbsync.toml", "[collections.pnl]\nshards = 16\n");
  auto c = load_config(dir.path());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->collection("pnl").shards, 16u);
  testing::spit(dir.path() / "dbsync.toml", "[collections.pnl]\nshards = 15\n");
  auto bad = load_config(dir.path());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find((dir.path() / "dbsync.toml").string() + "' line 2"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace dbsync
