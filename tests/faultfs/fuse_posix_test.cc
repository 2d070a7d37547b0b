// Without active faults faultfs is a correct POSIX file system.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <atomic>
#include <set>
#include <thread>

#include "faultfs/vfs.h"
#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::faultfs::testing {
namespace {

std::set<std::string> List(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* de = readdir(d)) {
    std::string n = de->d_name;
    if (n != "." && n != "..") out.insert(n);
  }
  closedir(d);
  return out;
}

// Runs fn in a child process as uid/gid 65534; returns its exit status.
template <typename Fn>
int AsNobody(Fn fn) {
  pid_t pid = fork();
  if (pid == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(99);
    _exit(fn());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(FusePosix, PermissionsAreEnforcedForOtherUsers) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  FUSE_TEST_SETUP(m, "--allow-other");
  ASSERT_EQ(chmod(ParentPath(m->mnt().substr(1)).insert(0, "/").c_str(), 0755),
            0);  // mkdtemp made it 0700
  ASSERT_EQ(chmod(m->mnt().c_str(), 0755), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("secret"), "s", false), 0);
  ASSERT_EQ(chmod(m->mnt("secret").c_str(), 0600), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("public"), "p", false), 0);
  ASSERT_EQ(chmod(m->mnt("public").c_str(), 0644), 0);
  std::string secret = m->mnt("secret"), pub = m->mnt("public"), dir = m->mnt();
  EXPECT_EQ(AsNobody([&] {
              return open(secret.c_str(), O_RDONLY) < 0 && errno == EACCES ? 0
                                                                           : 1;
            }),
            0);
  EXPECT_EQ(AsNobody([&] { return ReadFileAt(pub) == "p" ? 0 : 1; }), 0);
  EXPECT_EQ(AsNobody([&] {
              return open(pub.c_str(), O_WRONLY) < 0 && errno == EACCES ? 0 : 1;
            }),
            0);
  EXPECT_EQ(
      AsNobody([&] {
        return mkdir((dir + "/x").c_str(), 0755) < 0 && errno == EACCES ? 0 : 1;
      }),
      0);
  // chown to nobody: now they may write it, and files they create are theirs.
  ASSERT_EQ(chmod(m->mnt().c_str(), 0777), 0);
  ASSERT_EQ(chown(m->mnt("public").c_str(), 65534, 65534), 0);
  EXPECT_EQ(AsNobody([&] {
              return WriteFileAt(pub, "by nobody", false) == 0 ? 0 : 1;
            }),
            0);
  EXPECT_EQ(AsNobody([&] {
              return WriteFileAt(dir + "/mine", "m", false) == 0 ? 0 : 1;
            }),
            0);
  struct stat st;
  ASSERT_EQ(stat(m->mnt("mine").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
}

TEST(FusePosix, MountIsClosedToOtherUsersWithoutAllowOther) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "x", false), 0);
  ASSERT_EQ(chmod(m->mnt("f").c_str(), 0644), 0);
  std::string f = m->mnt("f");
  EXPECT_EQ(AsNobody([&] { return open(f.c_str(), O_RDONLY) < 0 ? 0 : 1; }), 0);
  struct stat st;
  ASSERT_EQ(stat(m->socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777,
            0600u);  // the control socket refuses other users
}

TEST(FusePosix, AppendTruncExcl) {
  FUSE_TEST_SETUP(m);
  std::string f = m->mnt("f");
  ASSERT_EQ(WriteFileAt(f, "abc", false), 0);
  ASSERT_EQ(WriteFileAt(f, "def", false, O_WRONLY | O_APPEND), 0);
  EXPECT_EQ(ReadFileAt(f), "abcdef");
  // O_APPEND ignores the file position.
  int fd = open(f.c_str(), O_RDWR | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  ASSERT_EQ(write(fd, "g", 1), 1);
  close(fd);
  EXPECT_EQ(ReadFileAt(f), "abcdefg");
  ASSERT_EQ(WriteFileAt(f, "x", false, O_WRONLY | O_TRUNC), 0);
  EXPECT_EQ(ReadFileAt(f), "x");
  EXPECT_EQ(open(f.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644), -1);
  EXPECT_EQ(errno, EEXIST);
  fd = open(m->mnt("g").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  struct stat st;
  ASSERT_EQ(stat(m->mnt("g").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FusePosix, SparseFilesAndTruncateUpDown) {
  FUSE_TEST_SETUP(m);
  std::string f = m->mnt("sparse");
  int fd = open(f.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "end", 3, 1 << 30), 3);  // 1 GiB hole
  struct stat st;
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, (1 << 30) + 3);
  char buf[16] = {1};
  ASSERT_EQ(pread(fd, buf, 16, 4096), 16);
  EXPECT_EQ(std::string(buf, 16), std::string(16, '\0'));
  ASSERT_EQ(ftruncate(fd, 10), 0);
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 10);
  ASSERT_EQ(pwrite(fd, "0123456789", 10, 0), 10);
  ASSERT_EQ(ftruncate(fd, 4), 0);
  ASSERT_EQ(ftruncate(fd, 8), 0);  // grows with zeros, not the old bytes
  close(fd);
  EXPECT_EQ(ReadFileAt(f), std::string("0123") + std::string(4, '\0'));
  // A sparse file survives the mirror sparse: fsync it and look at the backing
  // file.
  fd = open(f.c_str(), O_RDWR);
  ASSERT_EQ(pwrite(fd, "tail", 4, 1LL << 33), 4);
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  ASSERT_EQ(stat(m->backing("sparse").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, (1LL << 33) + 4);
  EXPECT_LT(st.st_blocks, 1024);  // not 8 GiB of zeros
}

TEST(FusePosix, RenameOverFileAndDirectory) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(WriteFileAt(m->mnt("a"), "A", false), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("b"), "B", false), 0);
  ASSERT_EQ(rename(m->mnt("a").c_str(), m->mnt("b").c_str()), 0);
  EXPECT_EQ(ReadFileAt(m->mnt("b")), "A");
  EXPECT_FALSE(Exists(m->mnt("a")));
  ASSERT_EQ(mkdir(m->mnt("d1").c_str(), 0755), 0);
  ASSERT_EQ(WriteFileAt(m->mnt("d1/x"), "X", false), 0);
  ASSERT_EQ(mkdir(m->mnt("d2").c_str(), 0755), 0);
  ASSERT_EQ(rename(m->mnt("d1").c_str(), m->mnt("d2").c_str()),
            0);  // over an empty dir
  EXPECT_EQ(ReadFileAt(m->mnt("d2/x")), "X");
  ASSERT_EQ(mkdir(m->mnt("d3").c_str(), 0755), 0);
  ASSERT_EQ(rename(m->mnt("d3").c_str(), m->mnt("d2").c_str()),
            -1);  // over a non-empty dir
  EXPECT_EQ(errno, ENOTEMPTY);
  EXPECT_EQ(rename(m->mnt("b").c_str(), m->mnt("d3").c_str()), -1);
  EXPECT_EQ(errno, EISDIR);
  EXPECT_EQ(renameat2(AT_FDCWD, m->mnt("b").c_str(), AT_FDCWD,
                      m->mnt("d2/x").c_str(), RENAME_NOREPLACE),
            -1);
  EXPECT_EQ(errno, EEXIST);
  // The whole tree becomes durable and the backing dir mirrors it.
  ASSERT_TRUE(m->Ctl({{"cmd", "sync"}})["ok"].get<bool>());
  EXPECT_EQ(ReadFileAt(m->backing("d2/x")), "X");
  EXPECT_EQ(ReadFileAt(m->backing("b")), "A");
  EXPECT_FALSE(Exists(m->backing("d1")));
}

TEST(FusePosix, HardLinksAndSymlinks) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "shared", false), 0);
  ASSERT_EQ(link(m->mnt("f").c_str(), m->mnt("g").c_str()), 0);
  struct stat st;
  ASSERT_EQ(stat(m->mnt("g").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  ASSERT_EQ(WriteFileAt(m->mnt("g"), "changed", false, O_WRONLY), 0);
  EXPECT_EQ(ReadFileAt(m->mnt("f")), "changed");
  ASSERT_EQ(symlink("f", m->mnt("s").c_str()), 0);
  char buf[64];
  ssize_t n = readlink(m->mnt("s").c_str(), buf, sizeof(buf));
  ASSERT_EQ(n, 1);
  EXPECT_EQ(buf[0], 'f');
  EXPECT_EQ(ReadFileAt(m->mnt("s")), "changed");  // followed by the kernel
  ASSERT_EQ(lstat(m->mnt("s").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_TRUE(m->Ctl({{"cmd", "sync"}})["ok"].get<bool>());
  struct stat a, b;
  ASSERT_EQ(stat(m->backing("f").c_str(), &a), 0);
  ASSERT_EQ(stat(m->backing("g").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);  // still one file in the backing dir
  // Unlinked but open: still readable through the handle.
  int fd = open(m->mnt("f").c_str(), O_RDONLY);
  ASSERT_EQ(unlink(m->mnt("f").c_str()), 0);
  ASSERT_EQ(unlink(m->mnt("g").c_str()), 0);
  EXPECT_EQ(pread(fd, buf, 7, 0), 7);
  EXPECT_EQ(std::string(buf, 7), "changed");
  close(fd);
}

TEST(FusePosix, ReaddirDuringChanges) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(mkdir(m->mnt("d").c_str(), 0755), 0);
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(WriteFileAt(m->mnt("d/f" + std::to_string(i)), "x", false), 0);
  DIR* d = opendir(m->mnt("d").c_str());
  ASSERT_NE(d, nullptr);
  std::set<std::string> seen;
  int i = 0;
  while (dirent* de = readdir(d)) {
    seen.insert(de->d_name);
    // Create and delete while iterating: must not crash or repeat forever.
    if (i < 50) {
      WriteFileAt(m->mnt("d/new" + std::to_string(i)), "y", false);
      unlink(m->mnt("d/f" + std::to_string(49 - i)).c_str());
    }
    ++i;
  }
  closedir(d);
  EXPECT_GE(seen.size(), 2u);
  EXPECT_LE(i, 200);
  auto after = List(m->mnt("d"));
  EXPECT_EQ(after.size(), 50u);
  EXPECT_EQ(after.count("new0"), 1u);
}

TEST(FusePosix, LargeFile256MiB) {
  FUSE_TEST_SETUP(m);
  std::string f = m->mnt("big");
  int fd = open(f.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::string block(1 << 20, '\0');
  for (int i = 0; i < 256; ++i) {
    std::fill(block.begin(), block.end(), static_cast<char>('a' + i % 26));
    ASSERT_EQ(write(fd, block.data(), block.size()),
              static_cast<ssize_t>(block.size()));
  }
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  struct stat st;
  ASSERT_EQ(stat(m->backing("big").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 256LL << 20);
  m->Crash();
  fd = open(f.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 256; i += 37) {
    char c = 0;
    ASSERT_EQ(pread(fd, &c, 1, (static_cast<off_t>(i) << 20) + 12345), 1);
    EXPECT_EQ(c, static_cast<char>('a' + i % 26));
  }
  close(fd);
}

TEST(FusePosix, ConcurrentWritersThreadsAndProcesses) {
  FUSE_TEST_SETUP(m);
  constexpr int kWriters = 4;
  constexpr int kRecords = 200;
  std::string f = m->mnt("log");
  ASSERT_EQ(WriteFileAt(f, "", false), 0);
  // Threads: each writes its own region of one file.
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      int fd = open(f.c_str(), O_WRONLY);
      std::string rec(64, static_cast<char>('A' + t));
      for (int i = 0; i < kRecords; ++i)
        pwrite(fd, rec.data(), rec.size(), (t * kRecords + i) * 64);
      fsync(fd);
      close(fd);
    });
  }
  for (auto& t : threads) t.join();
  std::string content = ReadFileAt(f);
  ASSERT_EQ(content.size(), static_cast<size_t>(kWriters * kRecords * 64));
  for (int t = 0; t < kWriters; ++t) {
    EXPECT_EQ(content.substr(t * kRecords * 64, kRecords * 64),
              std::string(kRecords * 64, static_cast<char>('A' + t)));
  }
  // Processes: O_APPEND records never interleave.
  std::string g = m->mnt("appends");
  std::vector<pid_t> pids;
  for (int p = 0; p < kWriters; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open(g.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      std::string rec(100, static_cast<char>('a' + p));
      rec.back() = '\n';
      for (int i = 0; i < kRecords; ++i) {
        if (write(fd, rec.data(), rec.size()) !=
            static_cast<ssize_t>(rec.size()))
          _exit(1);
      }
      _exit(close(fd) == 0 ? 0 : 1);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::string all = ReadFileAt(g);
  ASSERT_EQ(all.size(), static_cast<size_t>(kWriters * kRecords * 100));
  for (size_t off = 0; off < all.size(); off += 100) {
    EXPECT_EQ(all.substr(off, 99), std::string(99, all[off])) << "at " << off;
  }
}

TEST(FusePosix, MmapReadWriteAndMsync) {
  FUSE_TEST_SETUP(m);
  std::string f = m->mnt("mapped");
  ASSERT_EQ(WriteFileAt(f, std::string(8192, 'a'), true), 0);
  ASSERT_EQ(FsyncPath(m->mnt()), 0);
  int fd = open(f.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED);
  char* c = static_cast<char*>(p);
  EXPECT_EQ(c[100], 'a');
  std::memcpy(c + 4096, "mapped-write", 12);
  ASSERT_EQ(msync(p, 8192, MS_SYNC), 0);
  ASSERT_EQ(fsync(fd), 0);
  munmap(p, 8192);
  close(fd);
  EXPECT_EQ(ReadFileAt(m->backing("mapped")).substr(4096, 12), "mapped-write");
  m->Crash();
  EXPECT_EQ(ReadFileAt(f).substr(4096, 12), "mapped-write");
}

TEST(FusePosix, TimesAndStatfs) {
  FUSE_TEST_SETUP(m);
  ASSERT_EQ(WriteFileAt(m->mnt("f"), "x", false), 0);
  timespec ts[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, m->mnt("f").c_str(), ts, 0), 0);
  struct stat st;
  ASSERT_EQ(stat(m->mnt("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  struct statvfs vfs;
  EXPECT_EQ(statvfs(m->mnt().c_str(), &vfs), 0);
  EXPECT_GT(vfs.f_blocks, 0u);
  EXPECT_EQ(mkdir(m->mnt(".faultfs").c_str(), 0755),
            -1);  // reserved for the backing dir
  EXPECT_EQ(errno, EACCES);
}

}  // namespace
}  // namespace crashlab::faultfs::testing
