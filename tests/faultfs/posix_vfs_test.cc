#include "faultfs/posix_vfs.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

namespace crashlab::faultfs {
namespace {

class PosixVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crashlab-posix-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    auto vfs = PosixVfs::Create(root_);
    ASSERT_TRUE(vfs.ok()) << vfs.status().ToString();
    vfs_ = std::move(vfs).value();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  std::unique_ptr<PosixVfs> vfs_;
};

TEST_F(PosixVfsTest, WriteReadRenameList) {
  ASSERT_TRUE(vfs_->Mkdir("d").ok());
  ASSERT_TRUE(WriteFile(*vfs_, "d/a", "hello", true).ok());
  ASSERT_TRUE(vfs_->SyncDir("d").ok());
  ASSERT_TRUE(vfs_->Rename("d/a", "d/b").ok());
  auto data = ReadFile(*vfs_, "d/b");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "hello");
  auto list = vfs_->ListDir("d");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "b");
  EXPECT_EQ((*list)[0].type, FileType::kRegular);
  auto st = vfs_->Stat("d/b");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 5u);
}

TEST_F(PosixVfsTest, AppendAndTruncate) {
  auto f = vfs_->Open("log", OpenOptions::Append());
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(AppendAll(**f, "abc").ok());
  ASSERT_TRUE(AppendAll(**f, "def").ok());
  ASSERT_TRUE((*f)->DataSync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_EQ(*ReadFile(*vfs_, "log"), "abcdef");
  ASSERT_TRUE(vfs_->Truncate("log", 2).ok());
  EXPECT_EQ(*ReadFile(*vfs_, "log"), "ab");
}

TEST_F(PosixVfsTest, ErrorsCarryErrnoAndPath) {
  auto f = vfs_->Open("missing/file", OpenOptions::ReadOnly());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().err(), ENOENT);
  EXPECT_EQ(f.status().path(), "missing/file");
  EXPECT_NE(f.status().ToString().find("ENOENT"), std::string::npos);
  ASSERT_TRUE(WriteFile(*vfs_, "x", "1", false).ok());
  auto again = vfs_->Open("x", OpenOptions::CreateNew());
  EXPECT_EQ(again.status().err(), EEXIST);
}

TEST_F(PosixVfsTest, RejectsPathsThatEscapeTheRoot) {
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a/../../b", "./x"}) {
    auto f = vfs_->Open(bad, OpenOptions::ReadOnly());
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.status().err(), EINVAL) << bad;
  }
  // A symlink pointing outside is not followed out of the root either.
  ASSERT_TRUE(vfs_->Symlink("/etc/passwd", "escape").ok());
  auto f = vfs_->Open("escape", OpenOptions::ReadOnly());
  EXPECT_FALSE(f.ok());
}

TEST_F(PosixVfsTest, CreateFailsForMissingRoot) {
  auto vfs = PosixVfs::Create(root_ + "/does-not-exist");
  ASSERT_FALSE(vfs.ok());
  EXPECT_EQ(vfs.status().err(), ENOENT);
}

TEST(VfsPathTest, NormalizeAndSplit) {
  EXPECT_EQ(*NormalizePath("a//b/"), "a/b");
  EXPECT_EQ(*NormalizePath(""), "");
  EXPECT_FALSE(NormalizePath("/abs").ok());
  EXPECT_FALSE(NormalizePath("a/./b").ok());
  EXPECT_EQ(ParentPath("a/b/c"), "a/b");
  EXPECT_EQ(ParentPath("c"), "");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(JoinPath("", "x"), "x");
  EXPECT_EQ(JoinPath("a", "x"), "a/x");
}

TEST(StatusTest, ErrnoNames) {
  EXPECT_EQ(ErrnoName(EIO), "EIO");
  EXPECT_EQ(ErrnoFromName("ENOSPC"), ENOSPC);
  EXPECT_EQ(ErrnoFromName("EBOGUS"), 0);
  Status st = Status::IoError(ENOENT, "wal/wal-1.log", "opening for read");
  EXPECT_EQ(
      st.ToString(),
      "ENOENT (No such file or directory): wal/wal-1.log: opening for read");
  EXPECT_TRUE(Status::Corruption("m", "bad crc").is_corruption());
}

}  // namespace
}  // namespace crashlab::faultfs
