// The crash model, row by row (docs/design.md "The crash model").
#include "faultfs/sim_vfs.h"

#include <gtest/gtest.h>

#include "tests/faultfs/sim_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::DirEntryOf;
using testing::FileEntry;
using testing::Ok;
using testing::Put;

// --- Row 1: write, truncate are durable when the file is fsync'd -------------

TEST(SimCrashModel, UnsyncedWriteIsLost) {
  SimVfs vfs;
  Put(vfs, "f", "old", true);
  Ok(vfs.SyncDir(""));
  Put(vfs, "f", "new data", false);
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry("new data"));
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry("old"));
}

TEST(SimCrashModel, FsyncMakesWriteAndTruncateDurable) {
  SimVfs vfs;
  Put(vfs, "f", "0123456789", true);
  Ok(vfs.SyncDir(""));
  auto f = vfs.Open("f", OpenOptions::ReadWrite());
  ASSERT_TRUE(f.ok());
  Ok((*f)->Truncate(4));
  Ok(WriteAll(**f, 8, "xy"));
  Ok((*f)->DataSync());
  Ok((*f)->Close());
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"),
            FileEntry(std::string("0123\0\0\0\0xy", 10)));
}

TEST(SimCrashModel, SyncAllMakesEverythingDurable) {
  SimVfs vfs;
  Ok(vfs.Mkdir("a"));
  Put(vfs, "a/f", "data", false);
  Ok(vfs.Symlink("a/f", "link"));
  Ok(vfs.SyncAll());
  vfs.Crash();
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("a/f"), FileEntry("data"));
  EXPECT_EQ(t.at("link"), (TreeEntry{FileType::kSymlink, "a/f"}));
}

// --- Row 2: namespace ops are durable when the parent is fsync'd ------------

TEST(SimCrashModel, CreateWithoutDirFsyncIsGone) {
  SimVfs vfs;
  Put(vfs, "f", "synced data", true);  // data fsync'd, name not
  vfs.Crash();
  EXPECT_TRUE(vfs.VisibleTree().empty());
}

TEST(SimCrashModel, DurableNameWithUndurableDataIsZeroLength) {
  SimVfs vfs;
  Put(vfs, "f", "never synced", false);
  Ok(vfs.SyncDir(""));
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry(""));
}

TEST(SimCrashModel, DataFsyncedUnderUndurableNameIsUnreachable) {
  SimVfs vfs;
  Ok(vfs.Mkdir("d"));
  Ok(vfs.SyncDir(""));
  Put(vfs, "d/f", "payload", true);
  Ok(vfs.Rename("d/f", "d/g"));
  Ok(vfs.SyncDir(""));  // the wrong directory
  vfs.Crash();
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.count("d/f"), 0u);
  EXPECT_EQ(t.count("d/g"), 0u);
  EXPECT_EQ(t.at("d"), DirEntryOf());
}

TEST(SimCrashModel, FsyncOfNewFileMakesDataNotName) {
  SimVfs vfs;
  Put(vfs, "f", "abc", true);
  EXPECT_EQ(vfs.DurableTree().count("f"), 0u);
  Ok(vfs.SyncDir(""));
  EXPECT_EQ(vfs.DurableTree().at("f"), FileEntry("abc"));
}

TEST(SimCrashModel, MkdirNeedsParentFsyncEvenIfItsOwnEntriesAreDurable) {
  SimVfs vfs;
  Ok(vfs.Mkdir("d"));
  Put(vfs, "d/f", "x", true);
  Ok(vfs.SyncDir("d"));
  vfs.Crash();
  EXPECT_TRUE(vfs.VisibleTree().empty());
  Ok(vfs.Mkdir("d"));
  Put(vfs, "d/f", "x", true);
  Ok(vfs.SyncDir("d"));
  Ok(vfs.SyncDir(""));
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("d/f"), FileEntry("x"));
}

TEST(SimCrashModel, UnlinkAndRmdirRolledBackWithoutDirFsync) {
  SimVfs vfs;
  Ok(vfs.Mkdir("d"));
  Put(vfs, "f", "keep", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.Unlink("f"));
  Ok(vfs.Rmdir("d"));
  EXPECT_TRUE(vfs.VisibleTree().empty());
  vfs.Crash();
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("f"), FileEntry("keep"));
  EXPECT_EQ(t.at("d"), DirEntryOf());
  Ok(vfs.Unlink("f"));
  Ok(vfs.SyncDir(""));
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().count("f"), 0u);
}

TEST(SimCrashModel, HardLinkNeedsDirFsync) {
  SimVfs vfs;
  Put(vfs, "a", "shared", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.Link("a", "b"));
  EXPECT_EQ(vfs.Stat("a")->nlink, 2u);
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().count("b"), 0u);
  Ok(vfs.Link("a", "b"));
  Ok(vfs.SyncDir(""));
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("b"), FileEntry("shared"));
  EXPECT_EQ(vfs.Stat("b")->nlink, 2u);
}

// --- Rename atomicity -------------------------------------------------------

TEST(SimCrashModel, RenameWithoutDirFsyncRollsBackAtomically) {
  SimVfs vfs;
  Put(vfs, "CATALOG", "v1", true);
  Put(vfs, "CATALOG.tmp", "v2", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.Rename("CATALOG.tmp", "CATALOG"));
  vfs.Crash();
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("CATALOG"), FileEntry("v1"));
  EXPECT_EQ(t.at("CATALOG.tmp"), FileEntry("v2"));
}

TEST(SimCrashModel, RenameDurableAfterDirFsync) {
  SimVfs vfs;
  Put(vfs, "CATALOG", "v1", true);
  Put(vfs, "CATALOG.tmp", "v2", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.Rename("CATALOG.tmp", "CATALOG"));
  Ok(vfs.SyncDir(""));
  vfs.Crash();
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("CATALOG"), FileEntry("v2"));
  EXPECT_EQ(t.count("CATALOG.tmp"), 0u);
}

TEST(SimCrashModel, CrossDirectoryRenameNeedsBothParents) {
  SimVfs vfs;
  Ok(vfs.Mkdir("a"));
  Ok(vfs.Mkdir("b"));
  Put(vfs, "a/f", "moved", true);
  Ok(vfs.SyncDir("a"));
  Ok(vfs.SyncDir(""));
  Ok(vfs.Rename("a/f", "b/f"));
  Ok(vfs.SyncDir("b"));  // only the destination
  EXPECT_EQ(vfs.DurableTree().count("b/f"), 0u);
  EXPECT_EQ(vfs.DurableTree().at("a/f"), FileEntry("moved"));
  Ok(vfs.SyncDir("a"));  // now both
  Tree t = vfs.DurableTree();
  EXPECT_EQ(t.at("b/f"), FileEntry("moved"));
  EXPECT_EQ(t.count("a/f"), 0u);
}

TEST(SimCrashModel, LaterOpOnSameEntryWaitsForBlockedRename) {
  SimVfs vfs;
  Ok(vfs.Mkdir("a"));
  Ok(vfs.Mkdir("b"));
  Put(vfs, "a/x", "from-a", true);
  Ok(vfs.SyncAll());
  Ok(vfs.Rename("a/x", "b/y"));  // needs a and b
  Ok(vfs.Unlink("b/y"));         // needs b, same entry
  Put(vfs, "b/y", "new", true);  // needs b, same entry
  Ok(vfs.SyncDir("b"));
  // Nothing on b/y may overtake the blocked rename.
  Tree t = vfs.DurableTree();
  EXPECT_EQ(t.at("a/x"), FileEntry("from-a"));
  EXPECT_EQ(t.count("b/y"), 0u);
  Ok(vfs.SyncDir("a"));
  t = vfs.DurableTree();
  EXPECT_EQ(t.count("a/x"), 0u);
  EXPECT_EQ(t.at("b/y"), FileEntry("new"));
}

TEST(SimCrashModel, MetadataImmediateModel) {
  SimVfs vfs(SimVfs::Options{.model = MetadataModel::kImmediate});
  Put(vfs, "f", "data", false);
  Ok(vfs.Rename("f", "g"));
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("g"),
            FileEntry(""));  // name durable, data not
}

// --- Crash modes ------------------------------------------------------------

TEST(SimCrashModes, PrefixPersistsFirstKPendingOps) {
  SimVfs vfs;
  Put(vfs, "f", "", true);
  Ok(vfs.SyncDir(""));
  auto f = vfs.Open("f", OpenOptions::ReadWrite());
  Ok(WriteAll(**f, 0, "aa"));
  Ok(WriteAll(**f, 2, "bb"));
  Ok(WriteAll(**f, 4, "cc"));
  ASSERT_EQ(vfs.PendingOps().size(), 3u);
  SimState s = vfs.Snapshot();
  EXPECT_EQ(ImageTree(s.PostCrash(CrashMode::Prefix(0))).at("f"),
            FileEntry(""));
  EXPECT_EQ(ImageTree(s.PostCrash(CrashMode::Prefix(2))).at("f"),
            FileEntry("aabb"));
  EXPECT_EQ(ImageTree(s.PostCrash(CrashMode::Prefix(9))).at("f"),
            FileEntry("aabbcc"));
}

TEST(SimCrashModes, TornKeepsWholeSectorsOnly) {
  SimVfs vfs;
  Put(vfs, "f", "", true);
  Ok(vfs.SyncDir(""));
  std::string data(8 * kSectorSize, 'x');
  auto f = vfs.Open("f", OpenOptions::ReadWrite());
  Ok(WriteAll(**f, 0, data));
  SimState s = vfs.Snapshot();
  bool saw_partial = false;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    std::string got =
        ImageTree(s.PostCrash(CrashMode::Torn(seed))).at("f").data;
    got.resize(data.size(), '\0');
    for (size_t sector = 0; sector < 8; ++sector) {
      std::string part = got.substr(sector * kSectorSize, kSectorSize);
      EXPECT_TRUE(part == std::string(kSectorSize, 'x') ||
                  part == std::string(kSectorSize, '\0'));
    }
    saw_partial |= got != data && got != std::string(data.size(), '\0');
  }
  EXPECT_TRUE(saw_partial);
  // Same seed, same state.
  EXPECT_EQ(ImageTree(s.PostCrash(CrashMode::Torn(3))),
            ImageTree(s.PostCrash(CrashMode::Torn(3))));
}

TEST(SimCrashModes, RandomKeepsRenameAtomic) {
  SimVfs vfs;
  Put(vfs, "a", "A", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.Rename("a", "b"));
  SimState s = vfs.Snapshot();
  for (uint64_t seed = 0; seed < 32; ++seed) {
    Tree t = ImageTree(s.PostCrash(CrashMode::Random(seed)));
    EXPECT_EQ(t.count("a") + t.count("b"), 1u) << seed;
  }
}

TEST(SimCrashModes, EnumerateListsEveryPrefix) {
  SimVfs vfs;
  Put(vfs, "f", "1", false);
  Put(vfs, "g", "2", false);
  size_t pending = vfs.PendingOps().size();
  auto states = vfs.EnumerateCrashStates(7, 2);
  EXPECT_EQ(states.size(), 1 + pending + 1 + 2);
  EXPECT_EQ(states.front().first, CrashMode::Drop());
  EXPECT_TRUE(states.front().second.empty());
  EXPECT_EQ(states[pending].second.at("g"),
            FileEntry("2"));  // prefix:pending = all
}

// --- State handling ---------------------------------------------------------

TEST(SimState, SnapshotSharesContentAndIsIndependent) {
  SimVfs vfs;
  Put(vfs, "big", std::string(1 << 20, 'b'), true);
  Ok(vfs.SyncDir(""));
  SimState snap = vfs.Snapshot();
  Put(vfs, "big", "changed", true);
  SimVfs restored(SimVfs::Options{}, snap);
  EXPECT_EQ(restored.VisibleTree().at("big").data.size(), size_t{1} << 20);
  EXPECT_EQ(vfs.VisibleTree().at("big"), FileEntry("changed"));
}

TEST(SimState, FilesOpenedBeforeCrashFailWithEio) {
  SimVfs vfs;
  auto f = vfs.Open("f", OpenOptions::CreateNew());
  ASSERT_TRUE(f.ok());
  vfs.Crash();
  char buf[4];
  auto r = (*f)->Read(0, buf, 4);
  EXPECT_EQ(r.status().err(), EIO);
  EXPECT_TRUE((*f)->Close().ok());
}

TEST(SimState, UnlinkedOpenFileStaysReadable) {
  SimVfs vfs;
  Put(vfs, "f", "still here", false);
  auto f = vfs.Open("f", OpenOptions::ReadOnly());
  Ok(vfs.Unlink("f"));
  char buf[16];
  auto n = (*f)->Read(0, buf, sizeof(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "still here");
}

TEST(SimState, PosixErrors) {
  SimVfs vfs;
  Ok(vfs.Mkdir("d"));
  Put(vfs, "d/f", "x", false);
  EXPECT_EQ(vfs.Rmdir("d").err(), ENOTEMPTY);
  EXPECT_EQ(vfs.Unlink("d").err(), EISDIR);
  EXPECT_EQ(vfs.Mkdir("d").err(), EEXIST);
  EXPECT_EQ(vfs.Open("nope/f", OpenOptions::CreateNew()).status().err(),
            ENOENT);
  EXPECT_EQ(vfs.Open("d/f/x", OpenOptions::CreateNew()).status().err(),
            ENOTDIR);
  EXPECT_EQ(vfs.Rename("d", "d/sub").err(), EINVAL);
  EXPECT_EQ(vfs.Link("d", "e").err(), EPERM);
  EXPECT_EQ(vfs.Truncate("d/f", uint64_t{999999999999999}).err(), EFBIG);
  auto ro = vfs.Open("d/f", OpenOptions::ReadOnly());
  EXPECT_EQ((*ro)->Write(0, "x", 1).status().err(), EBADF);
  EXPECT_EQ(vfs.Open("../x", OpenOptions::ReadOnly()).status().err(), EINVAL);
}

TEST(SimState, TraceRecordsEveryOperation) {
  SimVfs vfs;
  Put(vfs, "f", "abc", true);
  Ok(vfs.SyncDir(""));
  EXPECT_EQ(vfs.Stat("zzz").status().err(), ENOENT);
  auto trace = vfs.trace();
  ASSERT_EQ(trace.size(), 6u);  // create, write, fsync, close, fsyncdir, stat
  EXPECT_EQ(trace[0].op, OpKind::kCreate);
  EXPECT_EQ(trace[1].op, OpKind::kWrite);
  EXPECT_EQ(trace[1].length, 3u);
  EXPECT_EQ(trace[2].op, OpKind::kFsync);
  EXPECT_TRUE(trace[2].persistence_point);
  EXPECT_EQ(trace[4].op, OpKind::kFsyncDir);
  EXPECT_EQ(trace[5].result, ENOENT);
  for (size_t i = 0; i < trace.size(); ++i) EXPECT_EQ(trace[i].index, i);
  std::string lines = TraceToJsonLines(trace);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 6);
  EXPECT_NE(lines.find("\"op\":\"fsyncdir\""), std::string::npos);
}

TEST(SimState, HookSeesStateBeforeEachOperation) {
  SimVfs vfs;
  std::vector<Tree> durable_before;
  vfs.SetHook([&](const TraceEntry& next, const SimState& s) {
    if (next.op == OpKind::kFsyncDir)
      durable_before.push_back(ImageTree(s.PostCrash(CrashMode::Drop())));
  });
  Put(vfs, "f", "abc", true);
  Ok(vfs.SyncDir(""));
  ASSERT_EQ(durable_before.size(), 1u);
  EXPECT_TRUE(durable_before[0].empty());
  EXPECT_EQ(vfs.DurableTree().at("f"), FileEntry("abc"));
}

}  // namespace
}  // namespace crashlab::faultfs
