// Chinook end to end (issue 4): export a real relational database, build a
// new replica from the snapshot alone, export it again: the snapshots are
// byte-identical, every table has the same rows, foreign keys hold, NULL
// stays NULL and "" stays "", REAL values are bit-identical.
#include <gtest/gtest.h>

#include "e2e/sqlite_e2e_util.h"

namespace dbsync {
namespace {

using namespace testing;

TEST(SqliteChinook, ExportImportIntoAnEmptyFileExportAgainIsByteIdentical) {
  TempDir tmp;
  auto a = tmp.path() / "a", b = tmp.path() / "b";
  std::filesystem::create_directories(a);
  std::filesystem::copy_file(chinook(), a / "chinook.db");

  CliResult ex = dbsync_run(a, {"export", "--db", "sqlite:chinook.db", "--json"});
  ASSERT_EQ(ex.code, 0) << ex.err;
  auto j = json::parse(ex.out);
  ASSERT_TRUE(j.has_value()) << ex.out;
  EXPECT_EQ(j->find("added")->as_int(), 15607);
  EXPECT_EQ(j->find("records")->as_int(), 15607);

  copy_snapshot(a, b);
  CliResult im = dbsync_run(b, {"import", "--db", "sqlite:new.db"});
  ASSERT_EQ(im.code, 0) << im.err;
  EXPECT_NE(im.out.find("imported 15607 inserted"), std::string::npos) << im.out;

  CliResult again = dbsync_run(b, {"export", "--db", "sqlite:new.db"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to export"), std::string::npos) << again.out;
  EXPECT_EQ(tree_files(b / "dbsync"), tree_files(a / "dbsync"));

  auto old_db = a / "chinook.db", new_db = b / "new.db";
  const char* tables[] = {"Album",       "Artist",    "Customer", "Employee",      "Genre", "Invoice",
                          "InvoiceLine", "MediaType", "Playlist", "PlaylistTrack", "Track"};
  for (const char* t : tables) {
    std::string q = std::string("SELECT count(*) FROM \"") + t + "\"";
    EXPECT_EQ(sql(new_db, q), sql(old_db, q)) << t;
  }
  EXPECT_EQ(sql(new_db, "PRAGMA foreign_key_check"), "");
  EXPECT_EQ(sql(new_db, "SELECT count(*) FROM pragma_foreign_key_list('Track')"), "3\n");
  EXPECT_EQ(sql(new_db, "PRAGMA integrity_check"), "ok\n");
  EXPECT_EQ(sql(new_db, "SELECT count(*) FROM Customer WHERE Company IS NULL"), "49\n");
  EXPECT_EQ(sql(new_db, "SELECT count(*) FROM Customer WHERE Company = ''"),
            sql(old_db, "SELECT count(*) FROM Customer WHERE Company = ''"));
  // Same rows, compared value by value (REALs with !=, i.e. bit for bit).
  std::string attach = "ATTACH '" + old_db.string() + "' AS o;";
  EXPECT_EQ(
      sql(new_db, attach + "SELECT count(*) FROM Track n JOIN o.Track t USING (TrackId) "
                           "WHERE n.UnitPrice != t.UnitPrice OR typeof(n.UnitPrice) != typeof(t.UnitPrice) "
                           "OR n.Name != t.Name OR n.Composer IS NOT t.Composer"),
      "0\n");
  EXPECT_EQ(
      sql(new_db, attach + "SELECT count(*) FROM (SELECT * FROM Invoice EXCEPT SELECT * FROM o.Invoice)"),
      "0\n");
  EXPECT_EQ(
      sql(new_db, attach + "SELECT count(*) FROM (SELECT * FROM Employee EXCEPT SELECT * FROM o.Employee)"),
      "0\n");
  EXPECT_EQ(dump(new_db), dump(old_db));

  CliResult verify = dbsync_run(b, {"verify"});
  EXPECT_EQ(verify.code, 0) << verify.err;
}

TEST(SqliteChinook, ChangesOnOneReplicaArriveOnTheOther) {
  TempDir tmp;
  auto a = tmp.path() / "a", b = tmp.path() / "b";
  std::filesystem::create_directories(a);
  std::filesystem::copy_file(chinook(), a / "db.sqlite");
  ASSERT_EQ(dbsync_run(a, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
  copy_snapshot(a, b);
  ASSERT_EQ(dbsync_run(b, {"import", "--db", "sqlite:db.sqlite"}).code, 0);

  sql(a / "db.sqlite",
      "UPDATE Track SET UnitPrice = 1.29 WHERE TrackId = 1;"
      "DELETE FROM PlaylistTrack WHERE PlaylistId = 1 AND TrackId = 3402;"
      "INSERT INTO Genre VALUES (26, 'Synthwave');");
  ASSERT_EQ(dbsync_run(a, {"export", "--db", "sqlite:db.sqlite"}).code, 0);
  copy_snapshot(a, b);
  CliResult im = dbsync_run(b, {"import", "--db", "sqlite:db.sqlite", "--json"});
  ASSERT_EQ(im.code, 0) << im.err;
  auto j = json::parse(im.out);
  ASSERT_TRUE(j.has_value()) << im.out;
  EXPECT_EQ(j->find("inserted")->as_int(), 1);
  EXPECT_EQ(j->find("updated")->as_int(), 1);
  EXPECT_EQ(j->find("deleted")->as_int(), 1);
  EXPECT_EQ(dump(b / "db.sqlite"), dump(a / "db.sqlite"));
}

}  // namespace
}  // namespace dbsync
