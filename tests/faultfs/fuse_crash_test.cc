// The crash model and fault actions through a real faultfs mount.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "faultfs/sim_vfs.h"
#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::faultfs::testing {
namespace {

// `path` with `data`, durable under its name (file and parent fsync'd).
void PutDurable(FaultfsMount& m, const std::string& rel,
                const std::string& data) {
  ASSERT_EQ(WriteFileAt(m.mnt(rel), data, true), 0);
  ASSERT_EQ(FsyncPath(m.mnt()), 0);
}

TEST(FuseCrash, UnsyncedWriteLostAfterCrash) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "f", "v1");
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "v2-not-synced", false), 0);
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "v2-not-synced");
  EXPECT_EQ(ReadFileAt(m->backing("f")),
            "v1");  // the backing dir holds the durable state
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "v1");
  EXPECT_EQ(ReadFileAt(m->backing("f")), "v1");
}

TEST(FuseCrash, FsyncedFileUnderDurableNameKept) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "kept", "payload");
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("kept")), "payload");
  EXPECT_EQ(ReadFileAt(m->backing("kept")), "payload");
}

TEST(FuseCrash, CreatedAndFsyncedWithoutDirFsyncIsGone) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(mkdir(m->mnt("d").c_str(), 0755), 0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("d/new"), "data", true),
            0);  // data durable, name not
  EXPECT_FALSE(Exists(m->backing("d/new")));
  m->Crash();
  EXPECT_TRUE(Exists(m->mnt("d")));
  EXPECT_FALSE(Exists(m->mnt("d/new")));
}

TEST(FuseCrash, RenameWithoutDirFsyncRolledBackAtomically) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "CATALOG", "old");
  PutDurable(*m, "CATALOG.tmp", "new");
  ASSERT_EQ(rename(m->mnt("CATALOG.tmp").c_str(), m->mnt("CATALOG").c_str()),
            0);
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG")), "new");
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG")), "old");
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG.tmp")), "new");
  // With the directory fsync'd the rename survives.
  ASSERT_EQ(rename(m->mnt("CATALOG.tmp").c_str(), m->mnt("CATALOG").c_str()),
            0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  EXPECT_EQ(ReadFileAt(m->backing("CATALOG")), "new");
  EXPECT_FALSE(Exists(m->backing("CATALOG.tmp")));
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG")), "new");
  EXPECT_FALSE(Exists(m->mnt("CATALOG.tmp")));
}

TEST(FuseCrash, InjectedRenameEioLeavesBothNames) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "CATALOG.json", "v1");
  PutDurable(*m, "CATALOG.json.tmp", "v2");
  m->Inject(
      R"({"op":"rename","path":"**/CATALOG*","action":"error","errno":"EIO","times":1})");
  errno = 0;
  EXPECT_NE(rename(m->mnt("CATALOG.json.tmp").c_str(),
                   m->mnt("CATALOG.json").c_str()),
            0);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG.json")), "v1");
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG.json.tmp")), "v2");
  auto trace = m->Ctl({{"cmd", "trace"}});
  ASSERT_EQ(trace["faults"].size(), 1u) << trace.dump();
  EXPECT_EQ(trace["faults"][0]["action"], "error");
}

TEST(FuseCrash, ErrorAfterAppliesTheRenameAndStillFails) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "CATALOG.json", "v1");
  PutDurable(*m, "CATALOG.json.tmp", "v2");
  m->Inject(
      R"({"op":"rename","path":"**/CATALOG*","action":"error_after","errno":"EIO","nth":1})");
  errno = 0;
  EXPECT_NE(rename(m->mnt("CATALOG.json.tmp").c_str(),
                   m->mnt("CATALOG.json").c_str()),
            0);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(ReadFileAt(m->mnt("CATALOG.json")), "v2");
  EXPECT_FALSE(Exists(m->mnt("CATALOG.json.tmp")));
}

TEST(FuseCrash, Fsyncgate) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "f", "");
  m->Inject(R"({"op":"fsync","path":"f","action":"fsyncgate","times":1})");
  int fd = open(m->mnt("f").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "dirty", 5), 5);
  errno = 0;
  EXPECT_EQ(fsync(fd), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(fsync(fd), 0);  // "succeeds" - but the data is gone for good
  close(fd);
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "dirty");  // still in the page cache
  EXPECT_EQ(ReadFileAt(m->backing("f")), "");
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "");
}

TEST(FuseCrash, BitFlipCorruptionSeenOnRead) {
  FUSE_TEST_SETUP(m, "--seed", "7");
  std::string clean(4096, 'a');
  PutDurable(*m, "state-1", clean);
  m->Inject(
      R"({"op":"read","path":"**/state-*","action":"corrupt","corrupt":{"bitflips":8},"times":1})");
  std::string once = ReadFileAt(m->mnt("state-1"));
  ASSERT_EQ(once.size(), clean.size());
  EXPECT_NE(once, clean);
  EXPECT_EQ(ReadFileAt(m->mnt("state-1")), clean);  // transient
  EXPECT_EQ(ReadFileAt(m->backing("state-1")), clean);
}

TEST(FuseCrash, PersistentCorruptionReachesTheBackingDir) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "MANIFEST.json", std::string(100, 'm'));
  m->Inject(
      R"({"op":"any","path":"**/MANIFEST.json","action":"corrupt","corrupt":{"zero":[0,64]},"persistent":true,"times":1})");
  std::string expect = std::string(64, '\0') + std::string(36, 'm');
  EXPECT_EQ(ReadFileAt(m->mnt("MANIFEST.json")), expect);
  EXPECT_EQ(ReadFileAt(m->backing("MANIFEST.json")), expect);
}

TEST(FuseCrash, LoseAtCrash) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "doomed", "x");
  PutDurable(*m, "safe", "y");
  m->Inject(R"({"op":"open","path":"doomed","action":"lose","times":1})");
  EXPECT_EQ(ReadFileAt(m->mnt("doomed")), "x");
  m->Crash();
  EXPECT_FALSE(Exists(m->mnt("doomed")));
  EXPECT_FALSE(Exists(m->backing("doomed")));
  EXPECT_EQ(ReadFileAt(m->mnt("safe")), "y");
}

TEST(FuseCrash, TornCrashModeMatchesTheSimulator) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "wal", "");
  std::string data(8 * 512, 'w');
  ASSERT_EQ(WriteFileAt(m->mnt("wal"), data, false, O_WRONLY), 0);
  m->Crash("torn:11");
  // The same history in the simulator, same crash mode.
  SimVfs sim;
  ASSERT_TRUE(WriteFile(sim, "wal", "", true).ok());
  ASSERT_TRUE(sim.SyncDir("").ok());
  auto f = sim.Open("wal", OpenOptions::ReadWrite());
  ASSERT_TRUE(WriteAll(**f, 0, data).ok());
  sim.Crash(CrashMode::Torn(11));
  std::string expect = sim.VisibleTree().at("wal").data;
  EXPECT_EQ(ReadFileAt(m->mnt("wal")), expect);
  EXPECT_EQ(ReadFileAt(m->backing("wal")), expect);
  EXPECT_NE(expect, data);  // some sectors were torn away with this seed
}

TEST(FuseCrash, TornWriteRuleKeepsOnlyPartOfTheWrite) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "wal", "");
  m->Inject(
      R"({"op":"write","path":"wal","action":"torn","bytes":1024,"times":1})");
  std::string data(4096, 'w');
  ASSERT_EQ(WriteFileAt(m->mnt("wal"), data, true, O_WRONLY), 0);
  EXPECT_EQ(ReadFileAt(m->mnt("wal")), data);
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("wal")), data.substr(0, 1024));
}

TEST(FuseCrash, CrashRuleFailsEverythingUntilRestart) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "a", "durable");
  m->Inject(R"({"op":"fsync","path":"b","action":"crash","nth":1})");
  ASSERT_EQ(WriteFileAt(m->mnt("a"), "lost", false), 0);
  EXPECT_EQ(WriteFileAt(m->mnt("b"), "never", true), EIO);
  EXPECT_TRUE(m->Ctl({{"cmd", "status"}})["crashed"].get<bool>());
  EXPECT_EQ(ReadFileAt(m->mnt("a")), "<errno " + std::to_string(EIO) + ">");
  ASSERT_TRUE(m->Ctl({{"cmd", "restart"}})["ok"].get<bool>());
  EXPECT_EQ(ReadFileAt(m->mnt("a")), "durable");
  EXPECT_FALSE(Exists(m->mnt("b")));
  EXPECT_EQ(ReadFileAt(m->backing("a")), "durable");
}

TEST(FuseCrash, ReportListsUnsyncedRangesAndNamespaceOps) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "f", "");
  ASSERT_EQ(WriteFileAt(m->mnt("f"), std::string(100, 'x'), false, O_WRONLY),
            0);
  ASSERT_EQ(WriteFileAt(m->mnt("g"), "new", false), 0);
  auto r = m->Ctl({{"cmd", "report"}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  ASSERT_EQ(r["files"].size(), 2u) << r.dump();
  EXPECT_EQ(r["files"][0]["path"], "f");
  EXPECT_EQ(r["files"][0]["ranges"][0], nlohmann::json::array({0, 100}));
  ASSERT_GE(r["namespace"].size(), 1u);
  EXPECT_EQ(r["namespace"][0]["op"], "link");
  EXPECT_EQ(r["namespace"][0]["path"], "g");
}

// `report` on a live mount says what a crash now would take, per file;
// the crash reply (and `report` afterwards) what the crash took.
TEST(FuseCrash, ReportAndCrashReplyExplainTheLoss) {
  FUSE_TEST_SETUP(m);
  PutDurable(*m, "f", "12345");
  ASSERT_EQ(mkdir(m->mnt("d").c_str(), 0755), 0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("d/g"), "synced data", true),
            0);  // no dir fsync
  int fd = open(m->mnt("f").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "6789", 4), 4);
  close(fd);
  auto r = m->Ctl({{"cmd", "report"}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_TRUE(r["last_crash"].is_null()) << r.dump();
  const auto& now = r["if_crash"];
  EXPECT_EQ(now["mode"], "drop");
  ASSERT_EQ(now["files"].size(), 2u) << now.dump();
  const auto& g = now["files"][0];
  EXPECT_EQ(g["path"], "d/g");
  EXPECT_EQ(g["dropped"].size(), 0u) << g.dump();
  ASSERT_EQ(g["rolled_back"].size(), 1u) << g.dump();
  EXPECT_EQ(g["rolled_back"][0]["op"], "create");
  EXPECT_EQ(g["rolled_back"][0]["missing_fsync_of"],
            nlohmann::json::array({"d"}));
  EXPECT_TRUE(g["last_fsync"].is_number_unsigned()) << g.dump();
  const auto& f = now["files"][1];
  EXPECT_EQ(f["path"], "f");
  EXPECT_EQ(f["dropped"], nlohmann::json::parse(R"([{"offset":5,"length":4}])"))
      << f.dump();
  EXPECT_EQ(f["rolled_back"].size(), 0u);
  ASSERT_EQ(now["lines"].size(), 2u);
  EXPECT_NE(now["lines"][0].get<std::string>().find("no fsync of d"),
            std::string::npos)
      << now["lines"].dump();
  // The crash takes exactly that, and says so.
  auto c = m->Ctl({{"cmd", "crash"}});
  ASSERT_TRUE(c["ok"].get<bool>()) << c.dump();
  nlohmann::json expect = now;
  expect.erase("lines");
  EXPECT_EQ(c["loss"], expect);
  EXPECT_EQ(m->Ctl({{"cmd", "report"}})["last_crash"], expect);
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "12345");
  EXPECT_FALSE(Exists(m->mnt("d/g")));
}

TEST(FuseCrash, SyncMakesEverythingDurable) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(mkdir(m->mnt("d").c_str(), 0755), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("d/f"), "synced by sync", false), 0);
  ASSERT_TRUE(m->Ctl({{"cmd", "sync"}})["ok"].get<bool>());
  EXPECT_EQ(ReadFileAt(m->backing("d/f")), "synced by sync");
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("d/f")), "synced by sync");
}

TEST(FuseCrash, KilledDaemonRemountRestoresDurableState) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(mkdir(m->mnt("dir").c_str(), 0755), 0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  PutDurable(*m, "a", "durable-a");
  ASSERT_EQ(WriteFileAt(m->mnt("dir/b"), "durable-b", true), 0);
  ASSERT_EQ(FsyncPath(m->mnt("dir")), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("a"), "volatile", false), 0);
  ASSERT_EQ(rename(m->mnt("dir/b").c_str(), m->mnt("dir/c").c_str()), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("new"), "volatile", true), 0);
  m->KillDaemon();
  ASSERT_TRUE(m->Mount());
  EXPECT_EQ(ReadFileAt(m->mnt("a")), "durable-a");
  EXPECT_EQ(ReadFileAt(m->mnt("dir/b")), "durable-b");
  EXPECT_FALSE(Exists(m->mnt("dir/c")));
  EXPECT_FALSE(Exists(m->mnt("new")));
  EXPECT_FALSE(Exists(m->mnt(".faultfs")));  // the journal dir is hidden
}

TEST(FuseCrash, HugeTruncateIsEfbig) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "x", false), 0);
  errno = 0;
  EXPECT_EQ(truncate(m->mnt("f").c_str(), 999999999999999LL), -1);
  EXPECT_EQ(errno, EFBIG);
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "x");
}

// --- attributes are durable like data (fsync of the file, or sync) ---------

struct Attrs {
  mode_t mode = 0;
  uid_t uid = 0;
  timespec mtime{};
};
Attrs StatAt(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path << ": " << strerror(errno);
  return {st.st_mode & 07777, st.st_uid, st.st_mtim};
}

// The issue's sequence: fchmod 0600; fchown 1000; [fsync; fsync(dir)]; crash.
void ChmodChownCrash(FaultfsMount& m, bool fsync_them) {
  PutDurable(m, "f", "secret");
  int fd = open(m.mnt("f").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fchmod(fd, 0600), 0);
  ASSERT_EQ(fchown(fd, 1000, static_cast<gid_t>(-1)), 0);
  if (fsync_them) {
    ASSERT_EQ(fsync(fd), 0);
    ASSERT_EQ(FsyncPath(m.mnt()), 0);
  }
  close(fd);
  EXPECT_EQ(StatAt(m.mnt("f")).mode, 0600u);
  m.Crash();
}

TEST(FuseAttributes, ChmodChownFsyncedSurviveACrash) {
  if (geteuid() != 0) GTEST_SKIP() << "fchown to uid 1000 needs root";
  FUSE_TEST_SETUP(m, "--attr-timeout", "0");
  ChmodChownCrash(*m, true);
  for (const std::string& path : {m->mnt("f"), m->backing("f")}) {
    Attrs a = StatAt(path);
    EXPECT_EQ(a.mode, 0600u) << path;
    EXPECT_EQ(a.uid, 1000u) << path;
  }
  // And a remount reads them back from the backing dir.
  m->KillDaemon();
  ASSERT_TRUE(m->Mount());
  EXPECT_EQ(StatAt(m->mnt("f")).mode, 0600u);
  EXPECT_EQ(StatAt(m->mnt("f")).uid, 1000u);
}

TEST(FuseAttributes, ChmodChownWithoutFsyncAreLost) {
  if (geteuid() != 0) GTEST_SKIP() << "fchown to uid 1000 needs root";
  FUSE_TEST_SETUP(m, "--attr-timeout", "0");
  ChmodChownCrash(*m, false);
  for (const std::string& path : {m->mnt("f"), m->backing("f")}) {
    Attrs a = StatAt(path);
    EXPECT_EQ(a.mode, 0644u) << path;
    EXPECT_EQ(a.uid, 0u) << path;
  }
}

TEST(FuseAttributes, TimesFollowFsyncNotFdatasync) {
  FUSE_TEST_SETUP(m, "--attr-timeout", "0");
  PutDurable(*m, "f", "v1");
  timespec t1[2] = {{1000000000, 0}, {1000000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, m->mnt("f").c_str(), t1, 0), 0);
  ASSERT_EQ(FsyncPath(m->mnt("f")), 0);
  EXPECT_EQ(StatAt(m->backing("f")).mtime.tv_sec, 1000000000);
  // utimens without fsync: lost.
  timespec t2[2] = {{1100000000, 0}, {1100000000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, m->mnt("f").c_str(), t2, 0), 0);
  m->Crash();
  EXPECT_EQ(StatAt(m->mnt("f")).mtime.tv_sec, 1000000000);
  // A write fdatasync'd: its data is durable, its mtime is not.
  int fd = open(m->mnt("f").c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "v2", 2), 2);
  ASSERT_EQ(fdatasync(fd), 0);
  close(fd);
  EXPECT_NE(StatAt(m->mnt("f")).mtime.tv_sec, 1000000000);
  EXPECT_EQ(StatAt(m->backing("f")).mtime.tv_sec, 1000000000);
  m->Crash();
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "v2");
  EXPECT_EQ(StatAt(m->mnt("f")).mtime.tv_sec, 1000000000);
  // utimens then fsync: durable on the mount, in the backing dir and after
  // a remount.
  ASSERT_EQ(utimensat(AT_FDCWD, m->mnt("f").c_str(), t2, 0), 0);
  ASSERT_EQ(FsyncPath(m->mnt("f")), 0);
  m->Crash();
  EXPECT_EQ(StatAt(m->mnt("f")).mtime.tv_sec, 1100000000);
  EXPECT_EQ(StatAt(m->backing("f")).mtime.tv_sec, 1100000000);
  m->KillDaemon();
  ASSERT_TRUE(m->Mount());
  EXPECT_EQ(StatAt(m->mnt("f")).mtime.tv_sec, 1100000000);
}

}  // namespace
}  // namespace crashlab::faultfs::testing
