// Attributes are durable like data (docs/design.md "The crash model"): a
// mode, owner or time change is pending until the node is fsync'd (not
// fdatasync'd) or everything is synced; a crash drops pending changes.
#include <gtest/gtest.h>

#include "faultfs/sim_vfs.h"
#include "tests/faultfs/sim_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::Ok;
using testing::Put;

// A file "f" whose name and data are durable, created mode 0644.
void DurableFile(SimVfs& vfs) {
  Put(vfs, "f", "data", true);
  Ok(vfs.SyncDir(""));
}

NodeAttr Attr(SimVfs& vfs, const std::string& path) {
  auto a = vfs.GetAttr(path);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? *a : NodeAttr{};
}

void Fsync(SimVfs& vfs, const std::string& path, bool data_only = false) {
  auto f = vfs.Open(path, OpenOptions::ReadOnly());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Ok(data_only ? (*f)->DataSync() : (*f)->Sync());
  Ok((*f)->Close());
}

constexpr timespec kT1{.tv_sec = 1000000000, .tv_nsec = 5};
constexpr timespec kT2{.tv_sec = 1100000000, .tv_nsec = 7};

bool Same(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

TEST(SimAttributes, ModeIsLostWithoutFsyncAndKeptWithIt) {
  SimVfs vfs;
  DurableFile(vfs);
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.mode = 0600}));
  EXPECT_EQ(Attr(vfs, "f").mode, 0600u);
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").mode, 0644u) << "an unsynced chmod survived";

  Ok(vfs.SetAttr("f", nullptr, AttrChange{.mode = 0600}));
  Fsync(vfs, "f");
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").mode, 0600u) << "an fsync'd chmod was lost";
}

TEST(SimAttributes, OwnerIsLostWithoutFsyncAndKeptWithIt) {
  SimVfs vfs;
  DurableFile(vfs);
  uint32_t uid0 = Attr(vfs, "f").uid;
  uint32_t gid0 = Attr(vfs, "f").gid;
  Ok(vfs.SetAttr("f", nullptr,
                 AttrChange{.uid = uid0 + 1000, .gid = gid0 + 7}));
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").uid, uid0);
  EXPECT_EQ(Attr(vfs, "f").gid, gid0);

  Ok(vfs.SetAttr("f", nullptr,
                 AttrChange{.uid = uid0 + 1000, .gid = gid0 + 7}));
  Fsync(vfs, "f");
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").uid, uid0 + 1000);
  EXPECT_EQ(Attr(vfs, "f").gid, gid0 + 7);
}

TEST(SimAttributes, UtimensIsLostWithoutFsyncAndKeptWithIt) {
  SimVfs vfs;
  DurableFile(vfs);
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.atime = kT1, .mtime = kT1}));
  Fsync(vfs, "f");
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.atime = kT2, .mtime = kT2}));
  EXPECT_TRUE(Same(Attr(vfs, "f").mtime, kT2));
  vfs.Crash();
  EXPECT_TRUE(Same(Attr(vfs, "f").mtime, kT1))
      << "an unsynced utimens survived";
  EXPECT_TRUE(Same(Attr(vfs, "f").atime, kT1));

  Ok(vfs.SetAttr("f", nullptr, AttrChange{.atime = kT2, .mtime = kT2}));
  Fsync(vfs, "f");
  vfs.Crash();
  EXPECT_TRUE(Same(Attr(vfs, "f").mtime, kT2));
  EXPECT_TRUE(Same(Attr(vfs, "f").atime, kT2));
}

TEST(SimAttributes, WriteTimesFollowFsyncNotFdatasync) {
  SimVfs vfs;
  DurableFile(vfs);
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.atime = kT1, .mtime = kT1}));
  Fsync(vfs, "f");
  // A write sets mtime and ctime; fdatasync makes the data durable, not them.
  Put(vfs, "f", "newer", false);
  timespec written = Attr(vfs, "f").mtime;
  EXPECT_FALSE(Same(written, kT1));
  Fsync(vfs, "f", /*data_only=*/true);
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f").data, "newer");
  EXPECT_TRUE(Same(Attr(vfs, "f").mtime, kT1))
      << "fdatasync made the write's mtime durable";

  Put(vfs, "f", "newest", false);
  written = Attr(vfs, "f").mtime;
  timespec changed = Attr(vfs, "f").ctime;
  Fsync(vfs, "f");
  vfs.Crash();
  EXPECT_TRUE(Same(Attr(vfs, "f").mtime, written));
  EXPECT_TRUE(Same(Attr(vfs, "f").ctime, changed));
}

TEST(SimAttributes, ChmodChownFsyncThenDirFsyncOfANewFile) {
  // The case: fchmod 0600; fchown; fsync; fsync(dir); crash.
  SimVfs vfs;
  auto f = vfs.Open("f", OpenOptions::CreateTruncate());
  ASSERT_TRUE(f.ok());
  Ok(WriteAll(**f, 0, "secret"));
  Ok(vfs.SetAttr("", f->get(), AttrChange{.mode = 0600}));
  Ok(vfs.SetAttr("", f->get(), AttrChange{.uid = 1000}));
  Ok((*f)->Sync());
  Ok((*f)->Close());
  Ok(vfs.SyncDir(""));
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").mode, 0600u);
  EXPECT_EQ(Attr(vfs, "f").uid, 1000u);
}

TEST(SimAttributes, NewFileWithoutFsyncKeepsItsCreationAttributes) {
  SimVfs vfs;
  auto f = vfs.Open("f", OpenOptions::CreateTruncate());
  ASSERT_TRUE(f.ok());
  timespec created = Attr(vfs, "f").ctime;
  Ok(WriteAll(**f, 0, "x"));  // sets mtime and ctime: pending
  Ok((*f)->Close());
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.mode = 0600, .uid = 1000}));
  Ok(vfs.SyncDir(""));  // the name is durable, the file's attributes are not
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").mode, 0644u);
  EXPECT_NE(Attr(vfs, "f").uid, 1000u);
  EXPECT_TRUE(Same(Attr(vfs, "f").ctime, created))
      << "the durable node should carry the creation time";
}

TEST(SimAttributes, DirectoryAttributesFollowItsFsync) {
  SimVfs vfs;
  Ok(vfs.Mkdir("d", 0755));
  Ok(vfs.SyncDir(""));
  Ok(vfs.SetAttr("d", nullptr, AttrChange{.mode = 0700}));
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "d").mode, 0755u);
  Ok(vfs.SetAttr("d", nullptr, AttrChange{.mode = 0700}));
  Ok(vfs.SyncDir("d"));
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "d").mode, 0700u);
}

TEST(SimAttributes, SyncAllMakesEveryAttributeDurable) {
  SimVfs vfs;
  DurableFile(vfs);
  Ok(vfs.Mkdir("d", 0755));
  Ok(vfs.SetAttr("f", nullptr,
                 AttrChange{.mode = 0640, .uid = 1000, .mtime = kT2}));
  Ok(vfs.SetAttr("d", nullptr, AttrChange{.mode = 0711}));
  Ok(vfs.SyncAll());
  vfs.Crash();
  EXPECT_EQ(Attr(vfs, "f").mode, 0640u);
  EXPECT_EQ(Attr(vfs, "f").uid, 1000u);
  EXPECT_TRUE(Same(Attr(vfs, "f").mtime, kT2));
  EXPECT_EQ(Attr(vfs, "d").mode, 0711u);
}

TEST(SimAttributes, FsyncOfOneFileLeavesAnothersAttributesPending) {
  SimVfs vfs;
  DurableFile(vfs);
  Put(vfs, "g", "g", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.mode = 0600}));
  Ok(vfs.SetAttr("g", nullptr, AttrChange{.mode = 0600}));
  Fsync(vfs, "g");
  vfs.Crash(CrashMode::Prefix(1000));  // no pending op carries attributes
  EXPECT_EQ(Attr(vfs, "f").mode, 0644u);
  EXPECT_EQ(Attr(vfs, "g").mode, 0600u);
}

}  // namespace
}  // namespace crashlab::faultfs
