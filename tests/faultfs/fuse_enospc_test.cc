// A full backing disk (faultfs/README.md, "A full backing disk"): the
// backing dir lives on a 2 MiB tmpfs. The writer's fsync fails with ENOSPC
// (not EIO), what it would have stored stays pending, the daemon names the
// error, later fsyncs succeed once there is room, and after a crash and a
// remount the mount shows exactly what was acknowledged (fsync returned 0),
// which is also exactly what the backing dir holds.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <map>
#include <string>

#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::faultfs::testing {
namespace {

namespace fs = std::filesystem;

// A size-limited tmpfs on a fresh directory, unmounted by the destructor.
class SmallTmpfs {
 public:
  // Empty on success, else why it could not be mounted.
  std::string Mount(const std::string& size) {
    char tmpl[] = "/tmp/faultfs-enospc-XXXXXX";
    if (mkdtemp(tmpl) == nullptr)
      return std::string("mkdtemp: ") + strerror(errno);
    dir_ = tmpl;
    std::string opts = "size=" + size + ",mode=0755";
    if (mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      return "mounting a " + size + " tmpfs on " + dir_ +
             " is not permitted here: " + strerror(errno);
    }
    mounted_ = true;
    return {};
  }
  ~SmallTmpfs() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// path -> content ("<dir>" for directories) under `root`, without the
// backing dir's hidden .faultfs.
std::map<std::string, std::string> TreeOf(const std::string& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root);
       it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = fs::relative(it->path(), root).string();
    if (rel == ".faultfs") {
      it.disable_recursion_pending();
      continue;
    }
    out[rel] = it->is_directory() ? "<dir>" : ReadFileAt(it->path().string());
  }
  return out;
}

// A readable summary of a tree (sizes, not contents).
std::string Describe(const std::map<std::string, std::string>& tree) {
  std::string s;
  for (const auto& [path, data] : tree)
    s += path + " (" + std::to_string(data.size()) + " bytes) ";
  return s.empty() ? "(empty)" : s;
}

// Trees compared by content, reported by size (the files are megabytes).
::testing::AssertionResult SameTree(
    const std::map<std::string, std::string>& actual,
    const std::map<std::string, std::string>& expected) {
  if (actual == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "has " << Describe(actual) << "; expected " << Describe(expected);
}

constexpr size_t kK = 1000;

TEST(FuseEnospc, FullBackingDiskFailsFsyncKeepsPendingAndRecovers) {
  std::string why = FuseUnusableReason();
  if (!why.empty()) {
    if (FuseRequired()) FAIL() << why;
    GTEST_SKIP() << why
                 << " (set CRASHLAB_REQUIRE_FUSE=1 to make this a "
                    "failure)";
  }
  SmallTmpfs small;
  if (std::string err = small.Mount("2m"); !err.empty()) {
    // The test needs root (or CAP_SYS_ADMIN) for the small file system.
    if (FuseRequired()) FAIL() << err << " (CRASHLAB_REQUIRE_FUSE=1)";
    GTEST_SKIP() << err;
  }
  std::string backing = small.dir() + "/backing";
  ASSERT_TRUE(fs::create_directory(backing));
  std::string mount_error;
  auto m = FaultfsMount::Start({}, &mount_error, backing);
  ASSERT_NE(m, nullptr) << mount_error;

  // What fsync acknowledged: file data fsync'd and the directory fsync'd
  // after it, both returning 0.
  std::map<std::string, std::string> acked;
  const std::string a(1000 * kK, 'a');
  const std::string b(1500 * kK, 'b');
  const std::string c(kK, 'c');
  const std::string more(1200 * kK, 'A');

  ASSERT_EQ(WriteFileAt(m->mnt("a"), a, true), 0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  acked["a"] = a;

  // 1. b does not fit next to a: the fsync that first needs the backing
  //    disk (the directory's, which stores b under its name) fails with
  //    ENOSPC, not EIO.
  ASSERT_EQ(WriteFileAt(m->mnt("b"), b, true), 0)
      << "the data fsync of a file without a durable name stores nothing";
  EXPECT_EQ(FsyncPath(m->mnt()), ENOSPC);
  EXPECT_EQ(FsyncPath(m->mnt()), ENOSPC) << "a retry without room";
  // An in-place append to the durable file fails at the file's own fsync.
  ASSERT_EQ(WriteFileAt(m->mnt("a"), more, false, O_WRONLY | O_APPEND), 0);
  EXPECT_EQ(FsyncPath(m->mnt("a")), ENOSPC);
  EXPECT_EQ(ReadFileAt(m->mnt("a")).size(), a.size() + more.size());
  EXPECT_TRUE(ReadFileAt(m->mnt("a")) == a + more)
      << "the visible state is kept";
  EXPECT_TRUE(ReadFileAt(backing + "/a") == a) << "the backing dir changed";
  EXPECT_TRUE(ReadFileAt(m->mnt("b")) == b);

  // The daemon names the error (errno and path) and stays usable.
  auto status = m->Ctl({{"cmd", "status"}});
  ASSERT_TRUE(status.value("ok", false)) << status.dump();
  EXPECT_TRUE(status["mirror"].value("ok", false)) << status.dump();
  EXPECT_EQ(status["mirror"].value("last_errno", 0), ENOSPC) << status.dump();
  std::string last = status["mirror"].value("last_error", "");
  EXPECT_NE(last.find("ENOSPC"), std::string::npos) << last;
  EXPECT_NE(last.find(": a: backing dir"), std::string::npos) << last;
  EXPECT_GE(status["mirror"].value("refused", 0), 3) << status.dump();
  EXPECT_GT(status.value("pending", 0), 0) << "the refused syncs stay pending";

  // A crash that would keep every pending op needs more room than there is:
  // refused, the mount shows what the backing dir holds.
  auto crash = m->Ctl({{"cmd", "crash"}, {"mode", "prefix:1000"}});
  EXPECT_FALSE(crash.value("ok", true)) << crash.dump();
  EXPECT_NE(crash.value("error", "").find("ENOSPC"), std::string::npos)
      << crash.dump();
  EXPECT_TRUE(SameTree(TreeOf(m->mnt()), acked));
  EXPECT_TRUE(SameTree(TreeOf(backing), acked));

  // 2. Room made on the mount: deleting a in the same directory fsync that
  //    stores b lets it succeed.
  ASSERT_EQ(WriteFileAt(m->mnt("b"), b, true), 0);
  EXPECT_EQ(FsyncPath(m->mnt()), ENOSPC);
  ASSERT_EQ(unlink(m->mnt("a").c_str()), 0);
  EXPECT_EQ(FsyncPath(m->mnt()), 0) << "no room after deleting a";
  acked.erase("a");
  acked["b"] = b;
  ASSERT_EQ(WriteFileAt(m->mnt("c"), c, true), 0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  acked["c"] = c;
  EXPECT_TRUE(SameTree(TreeOf(backing), acked));

  // 3. Room taken and given back on the backing file system itself.
  std::string hog = small.dir() + "/hog";
  struct statvfs vfs;
  ASSERT_EQ(statvfs(small.dir().c_str(), &vfs), 0);
  std::string fill(static_cast<size_t>(vfs.f_bavail) * vfs.f_frsize, 'h');
  int err = WriteFileAt(hog, fill, false);
  ASSERT_TRUE(err == 0 || err == ENOSPC) << strerror(err);
  const std::string c2 = c + std::string(200 * kK, 'C');
  ASSERT_EQ(WriteFileAt(m->mnt("c"), c2, false), 0);
  EXPECT_EQ(FsyncPath(m->mnt("c")), ENOSPC);
  ASSERT_EQ(unlink(hog.c_str()), 0);
  EXPECT_EQ(FsyncPath(m->mnt("c")), 0) << "no recovery after freeing space";
  acked["c"] = c2;
  // A write acknowledged by nothing: pending at the crash, so lost.
  ASSERT_EQ(WriteFileAt(m->mnt("d"), "unsynced", false), 0);

  // 4. Crash: the mount shows exactly what was acknowledged, the backing
  //    dir holds the same, and a fresh daemon on the backing dir loads it.
  m->Crash();
  EXPECT_TRUE(SameTree(TreeOf(m->mnt()), acked));
  EXPECT_TRUE(SameTree(TreeOf(backing), acked));
  m->Unmount();
  ASSERT_TRUE(m->Mount(&mount_error)) << mount_error;
  EXPECT_TRUE(SameTree(TreeOf(m->mnt()), acked));
  // And the remounted file system has room and works.
  ASSERT_EQ(WriteFileAt(m->mnt("e"), "e", true), 0);
  EXPECT_EQ(FsyncPath(m->mnt()), 0);
}

}  // namespace
}  // namespace crashlab::faultfs::testing
