// A real client: the sqlite3 command-line tool on a faultfs mount.
#include <gtest/gtest.h>

#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::faultfs::testing {
namespace {

bool HaveSqlite() {
  return std::system("command -v sqlite3 >/dev/null 2>&1") == 0;
}

std::string Sql(const std::string& db, const std::string& sql) {
  std::string out;
  int rc = RunCommand({"sqlite3", "-batch", db, sql}, &out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return rc == 0 ? out
                 : "<sqlite3 exit " + std::to_string(rc) + ": " + out + ">";
}

// Creates the database durably, then commits `n` transactions, each in its
// own sqlite3 process, with the given synchronous setting.
void CommitRows(FaultfsMount& m, const std::string& synchronous, int n) {
  std::string db = m.mnt("app.db");
  ASSERT_EQ(Sql(db,
                "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY "
                "KEY, v TEXT);"),
            "wal");
  ASSERT_TRUE(m.Ctl({{"cmd", "sync"}})["ok"]
                  .get<bool>());  // the database file itself is durable
  for (int i = 0; i < n; ++i) {
    std::string sql = "PRAGMA synchronous=" + synchronous +
                      "; BEGIN; INSERT INTO t(v) VALUES('row" +
                      std::to_string(i) + "'); COMMIT;";
    ASSERT_EQ(Sql(db, sql), "");
  }
  ASSERT_EQ(Sql(db, "SELECT count(*) FROM t;"), std::to_string(n));
}

TEST(FuseSqlite, SynchronousFullKeepsEveryCommittedTransaction) {
  if (!HaveSqlite())
    GTEST_SKIP() << "sqlite3 is not installed (apt-get install sqlite3)";
  FUSE_TEST_SETUP(m);
  CommitRows(*m, "FULL", 20);
  m->Crash();
  std::string db = m->mnt("app.db");
  EXPECT_EQ(Sql(db, "PRAGMA integrity_check;"), "ok");
  EXPECT_EQ(Sql(db, "SELECT count(*) FROM t;"), "20");
  EXPECT_EQ(Sql(db, "SELECT v FROM t ORDER BY id DESC LIMIT 1;"), "row19");
}

TEST(FuseSqlite, SynchronousOffLosesCommittedRows) {
  if (!HaveSqlite())
    GTEST_SKIP() << "sqlite3 is not installed (apt-get install sqlite3)";
  FUSE_TEST_SETUP(m);
  CommitRows(*m, "OFF", 20);
  auto report = m->Ctl({{"cmd", "report"}});
  EXPECT_FALSE(report["files"].empty())
      << "the WAL should hold unsynced data: " << report.dump();
  m->Crash();
  std::string db = m->mnt("app.db");
  EXPECT_EQ(Sql(db, "PRAGMA integrity_check;"), "ok");
  EXPECT_EQ(Sql(db, "SELECT count(*) FROM t;"),
            "0");  // 20 commits acknowledged, none durable
}

}  // namespace
}  // namespace crashlab::faultfs::testing
