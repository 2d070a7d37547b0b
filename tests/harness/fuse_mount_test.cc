// FuseMount: start/stop, crash and restart through the control socket, a
// failed start leaves nothing behind, stale mounts are found with the
// command that removes them. Label `fuse`.
#include "harness/mount/fuse_mount.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/harness/fuse_test_env.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;
using faultfs::testing::Exists;
using faultfs::testing::FsyncPath;
using faultfs::testing::IsMounted;
using faultfs::testing::ReadFileAt;
using faultfs::testing::WriteFileAt;

class TempDir : public testing::ScratchDir {
 public:
  TempDir() : ScratchDir("crashlab-fuse-mount-test") {}
};

bool Alive(int pid) { return pid > 0 && kill(pid, 0) == 0; }

FuseMountOptions Options(const std::string& dir) {
  FuseMountOptions o;
  o.work_dir = dir;
  o.faultfs_binary = FAULTFS_BINARY;
  return o;
}

TEST(FuseMountTest, StartCrashRestartStop) {
  FUSE_OR_SKIP();
  TempDir tmp;
  auto m = FuseMount::Start(Options(tmp.path() + "/w"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  FuseMount& mount = **m;
  int pid = mount.daemon_pid();
  EXPECT_TRUE(Alive(pid));
  EXPECT_TRUE(IsMounted(mount.mountpoint()));
  EXPECT_TRUE(Exists(mount.control()));
  EXPECT_EQ(FindStaleMounts(tmp.path()).size(), 1u);

  // One durable file (data and name), one whose name never became durable.
  ASSERT_EQ(WriteFileAt(mount.mountpoint() + "/kept", "durable", true), 0);
  ASSERT_EQ(FsyncPath(mount.mountpoint()), 0);
  ASSERT_EQ(WriteFileAt(mount.mountpoint() + "/lost", "volatile", false), 0);
  EXPECT_EQ(ReadFileAt(mount.backing() + "/kept"), "durable");
  EXPECT_FALSE(Exists(mount.backing() + "/lost"));

  // A power cut from outside: the mount shows the durable state at once.
  ASSERT_TRUE(mount.Crash("drop").ok());
  ASSERT_TRUE(mount.Restart().ok());
  EXPECT_EQ(ReadFileAt(mount.mountpoint() + "/kept"), "durable");
  EXPECT_FALSE(Exists(mount.mountpoint() + "/lost"));

  auto status = mount.Control({{"cmd", "status"}});
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  auto bad = mount.Control({{"cmd", "no-such-command"}});
  EXPECT_FALSE(bad.ok());

  ASSERT_TRUE(mount.Stop().ok());
  EXPECT_FALSE(IsMounted(mount.mountpoint()));
  EXPECT_FALSE(Alive(pid));
  EXPECT_FALSE(Exists(mount.control()));
  EXPECT_TRUE(mount.Stop().ok());  // idempotent
  EXPECT_TRUE(FindStaleMounts(tmp.path()).empty());
}

TEST(FuseMountTest, RulesActiveFromMountTime) {
  FUSE_OR_SKIP();
  TempDir tmp;
  FuseMountOptions o = Options(tmp.path() + "/w");
  auto rule = faultfs::FaultRule::Parse(
      R"({"op": "fsync", "path": "f", "action": "error", "errno": "EIO", "times": 1})");
  ASSERT_TRUE(rule.ok());
  o.rules.push_back(*rule);
  auto m = FuseMount::Start(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(WriteFileAt((*m)->mountpoint() + "/f", "x", true), EIO);
  EXPECT_EQ(WriteFileAt((*m)->mountpoint() + "/f", "x", true), 0);
  ASSERT_TRUE((*m)->Clear().ok());
}

TEST(FuseMountTest, DestructorUnmounts) {
  FUSE_OR_SKIP();
  TempDir tmp;
  std::string mnt;
  int pid = -1;
  {
    auto m = FuseMount::Start(Options(tmp.path() + "/w"));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    mnt = (*m)->mountpoint();
    pid = (*m)->daemon_pid();
  }
  EXPECT_FALSE(IsMounted(mnt));
  EXPECT_FALSE(Alive(pid));
}

TEST(FuseMountTest, FailedStartLeavesNothing) {
  FUSE_OR_SKIP();
  TempDir tmp;
  // A "faultfs" that exits at once.
  FuseMountOptions o = Options(tmp.path() + "/a");
  o.faultfs_binary = "/bin/false";
  auto m = FuseMount::Start(o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().ToString().find("exited with code 1"), std::string::npos)
      << m.status().ToString();
  EXPECT_TRUE(FindStaleMounts(tmp.path()).empty());

  // One that never mounts: killed at the timeout.
  std::string script = tmp.path() + "/never-mounts.sh";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\necho $$ > " << tmp.path() << "/never.pid\nexec sleep 30\n";
  }
  chmod(script.c_str(), 0755);
  o = Options(tmp.path() + "/b");
  o.faultfs_binary = script;
  o.start_timeout_s = 0.5;
  m = FuseMount::Start(o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().ToString().find("did not mount"), std::string::npos)
      << m.status().ToString();
  std::ifstream pidf(tmp.path() + "/never.pid");
  int pid = 0;
  pidf >> pid;
  EXPECT_GT(pid, 0);
  EXPECT_FALSE(Alive(pid));
  EXPECT_FALSE(Exists(tmp.path() + "/b/control.sock"));

  // A real faultfs given a backing dir that is not fresh.
  o = Options(tmp.path() + "/c");
  fs::create_directories(tmp.path() + "/c/backing");
  std::ofstream(tmp.path() + "/c/backing/old") << "x";
  m = FuseMount::Start(o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().err(), EEXIST);
  EXPECT_TRUE(FindStaleMounts(tmp.path()).empty());
}

TEST(FuseMountTest, StaleMountIsFoundWithItsRemovalCommand) {
  FUSE_OR_SKIP();
  TempDir tmp;
  std::string dir = tmp.path() + "/w";
  auto m = FuseMount::Start(Options(dir));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::string mnt = (*m)->mountpoint();
  // A killed run: the daemon dies, its mount stays behind (dead).
  ASSERT_EQ(kill((*m)->daemon_pid(), SIGKILL), 0);
  auto stale = FindStaleMounts(dir);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].path, mnt);
  EXPECT_EQ(stale[0].remove_command, "fusermount3 -u " + mnt);

  // A new mount in that work dir refuses, naming the command.
  auto again = FuseMount::Start(Options(dir));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().ToString().find("fusermount3 -u " + mnt),
            std::string::npos)
      << again.status().ToString();

  // The command removes it.
  EXPECT_EQ(std::system((stale[0].remove_command + " 2>/dev/null").c_str()), 0);
  EXPECT_TRUE(FindStaleMounts(dir).empty());
  EXPECT_TRUE((*m)->Stop().ok());
}

TEST(FuseMountTest, FindFaultfsBinaryHonoursTheEnvironment) {
  setenv("CRASHLAB_FAULTFS", FAULTFS_BINARY, 1);
  auto b = FindFaultfsBinary();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, FAULTFS_BINARY);
  setenv("CRASHLAB_FAULTFS", "/nonexistent/faultfs", 1);
  EXPECT_FALSE(FindFaultfsBinary().ok());
  unsetenv("CRASHLAB_FAULTFS");
}

}  // namespace
}  // namespace crashlab::harness
