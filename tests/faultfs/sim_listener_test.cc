// A durable listener that refuses a change (the FUSE daemon's backing disk is
// full: ENOSPC): the operation fails with the listener's error and what it
// would have made durable stays pending, exactly as before the operation.
#include <gtest/gtest.h>

#include <algorithm>

#include "faultfs/sim_vfs.h"
#include "tests/faultfs/sim_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::FileEntry;
using testing::Ok;
using testing::Put;

// A listener that stores what it is given (an image per accepted change)
// unless told to refuse.
struct Store {
  bool refuse = false;
  bool refuse_crash = false;
  int accepted = 0;
  int refused = 0;
  Tree last;  // the durable image of the latest accepted change

  void Attach(SimVfs& vfs) {
    vfs.SetDurableListener([this](const DurableChange& c) -> Status {
      bool crash = c.before_crash_durable != nullptr;
      if ((crash && refuse_crash) || (!crash && refuse)) {
        ++refused;
        return Status::IoError(ENOSPC, "backing/f", "backing dir: reserve");
      }
      ++accepted;
      last = ImageTree(c.durable);
      return Status::Ok();
    });
  }
};

Status FsyncOf(SimVfs& vfs, const std::string& path, bool data_only = false) {
  auto f = vfs.Open(path, OpenOptions::ReadOnly());
  if (!f.ok()) return f.status();
  Status st = data_only ? (*f)->DataSync() : (*f)->Sync();
  Ok((*f)->Close());
  return st;
}

TEST(SimDurableListener, RefusedFsyncFailsAndKeepsTheWritePending) {
  SimVfs vfs;
  Store store;
  store.Attach(vfs);
  Put(vfs, "f", "v1", true);
  Ok(vfs.SyncDir(""));
  EXPECT_EQ(store.last, (Tree{{"f", FileEntry("v1")}}));

  Put(vfs, "f", "v2-longer", false);
  size_t pending = vfs.PendingOps().size();
  ASSERT_GT(pending, 0u);
  store.refuse = true;
  Status st = FsyncOf(vfs, "f");
  EXPECT_EQ(st.err(), ENOSPC) << st.ToString();
  EXPECT_EQ(vfs.PendingOps().size(), pending) << "refused data became durable";
  EXPECT_EQ(vfs.DurableTree(), (Tree{{"f", FileEntry("v1")}}));
  EXPECT_EQ(vfs.VisibleTree(), (Tree{{"f", FileEntry("v2-longer")}}));
  st = FsyncOf(vfs, "f", /*data_only=*/true);
  EXPECT_EQ(st.err(), ENOSPC) << st.ToString();
  // The trace records the error the caller saw.
  std::vector<TraceEntry> trace = vfs.trace();
  auto last_sync =
      std::find_if(trace.rbegin(), trace.rend(),
                   [](const auto& e) { return e.op == OpKind::kFdatasync; });
  ASSERT_NE(last_sync, trace.rend());
  EXPECT_EQ(last_sync->result, ENOSPC);

  // Room again: the same fsync now succeeds and stores the write.
  store.refuse = false;
  Ok(FsyncOf(vfs, "f"));
  EXPECT_TRUE(vfs.PendingOps().empty());
  EXPECT_EQ(vfs.DurableTree(), (Tree{{"f", FileEntry("v2-longer")}}));
  EXPECT_EQ(store.last, vfs.DurableTree());
}

TEST(SimDurableListener, RefusedDirFsyncKeepsNamesPendingAndCrashDropsThem) {
  SimVfs vfs;
  Store store;
  store.Attach(vfs);
  Put(vfs, "keep", "k", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.Mkdir("d"));
  Put(vfs, "d/new", "n", true);  // data durable, names pending
  store.refuse = true;
  Status st = vfs.SyncDir("");
  EXPECT_EQ(st.err(), ENOSPC) << st.ToString();
  st = vfs.SyncAll();
  EXPECT_EQ(st.err(), ENOSPC) << st.ToString();
  EXPECT_EQ(vfs.DurableTree(), (Tree{{"keep", FileEntry("k")}}));
  EXPECT_EQ(vfs.DurableTree(), store.last)
      << "the durable image claims what the listener did not store";

  // Room again: fsyncing the directories now makes the names durable.
  store.refuse = false;
  Ok(vfs.SyncDir(""));
  Ok(vfs.SyncDir("d"));
  EXPECT_EQ(vfs.DurableTree(), (Tree{{"d", testing::DirEntryOf()},
                                     {"d/new", FileEntry("n")},
                                     {"keep", FileEntry("k")}}));
  EXPECT_EQ(vfs.DurableTree(), store.last);
}

TEST(SimDurableListener, RefusedSyncKeepsAttributesPending) {
  SimVfs vfs;
  Store store;
  store.Attach(vfs);
  Put(vfs, "f", "x", true);
  Ok(vfs.SyncDir(""));
  Ok(vfs.SetAttr("f", nullptr, AttrChange{.mode = 0600}));
  store.refuse = true;
  EXPECT_EQ(FsyncOf(vfs, "f").err(), ENOSPC);
  EXPECT_EQ(vfs.SyncAll().err(), ENOSPC);
  EXPECT_EQ(
      vfs.Snapshot().attrs_dirty.count(*vfs.Snapshot().visible.Lookup("f")),
      1u);
  vfs.Crash();  // accepted: the refused chmod is lost like any pending one
  EXPECT_EQ(vfs.GetAttr("f")->mode, 0644u);

  Ok(vfs.SetAttr("f", nullptr, AttrChange{.mode = 0600}));
  store.refuse = false;
  Ok(FsyncOf(vfs, "f"));
  vfs.Crash();
  EXPECT_EQ(vfs.GetAttr("f")->mode, 0600u);
}

TEST(SimDurableListener, RefusedCrashLeavesTheStoredDurableImage) {
  SimVfs vfs;
  Store store;
  store.Attach(vfs);
  Put(vfs, "a", "durable", true);
  Ok(vfs.SyncDir(""));
  Put(vfs, "b", "pending", true);  // name pending
  Put(vfs, "a", "changed", false);
  Tree stored = store.last;
  store.refuse_crash = true;
  // A prefix crash keeping every pending op would need the listener to store
  // more; it refuses, so the post-crash state is what it holds.
  vfs.Crash(CrashMode::Prefix(100));
  EXPECT_EQ(store.refused, 1);
  EXPECT_EQ(vfs.VisibleTree(), stored);
  EXPECT_EQ(vfs.DurableTree(), stored);
  EXPECT_TRUE(vfs.PendingOps().empty());
  // And the file system goes on.
  store.refuse_crash = false;
  Put(vfs, "c", "after", true);
  Ok(vfs.SyncDir(""));
  EXPECT_EQ(vfs.DurableTree(), store.last);
  auto c = ReadFile(vfs, "c");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, "after");
}

TEST(SimDurableListener, RollbackRestoresPendingOrderAcrossManyFiles) {
  SimVfs vfs;
  Store store;
  store.Attach(vfs);
  for (int i = 0; i < 20; ++i)
    Put(vfs, "f" + std::to_string(i), std::string(i + 1, 'x'), i % 3 == 0);
  Ok(vfs.Rename("f1", "g1"));
  std::vector<std::string> before;
  for (const auto& op : vfs.PendingOps()) before.push_back(op.Describe());
  SimState snap = vfs.Snapshot();
  store.refuse = true;
  EXPECT_EQ(vfs.SyncDir("").err(), ENOSPC);
  EXPECT_EQ(FsyncOf(vfs, "f2").err(), ENOSPC);
  EXPECT_EQ(vfs.SyncAll().err(), ENOSPC);
  std::vector<std::string> after;
  for (const auto& op : vfs.PendingOps()) after.push_back(op.Describe());
  EXPECT_EQ(after, before);
  // Every crash state reachable before the refusals is reachable after.
  EXPECT_EQ(vfs.EnumerateCrashStates(7),
            SimVfs(SimVfs::Options{}, snap).EnumerateCrashStates(7));
  store.refuse = false;
  Ok(vfs.SyncAll());
  EXPECT_EQ(vfs.DurableTree(), vfs.VisibleTree());
  EXPECT_EQ(store.last, vfs.VisibleTree());
}

TEST(SimDurableListener, RefusedSyncOfALargeFileRestoresEveryPage) {
  SimVfs vfs;
  Store store;
  store.Attach(vfs);
  std::string original;
  for (int i = 0; i < 5 * 4096 + 100; ++i)
    original.push_back(static_cast<char>('a' + i % 23));
  Put(vfs, "big", original, true);
  Ok(vfs.SyncDir(""));
  Put(vfs, "other", "o", true);
  Ok(vfs.SyncDir(""));
  // Overwrite across pages, shrink, grow with a hole, append.
  {
    auto f = vfs.Open("big", OpenOptions::ReadWrite());
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    std::string x(9000, 'X');
    ASSERT_TRUE((*f)->Write(2 * 4096 + 10, x.data(), x.size()).ok());
    Ok((*f)->Truncate(3000));
    ASSERT_TRUE((*f)->Write(40000, "tail", 4).ok());
    Ok((*f)->Close());
  }
  Ok(vfs.SetAttr("big", nullptr, AttrChange{.mode = 0600}));
  Put(vfs, "other", "changed", false);
  SimState before = vfs.Snapshot();
  store.refuse = true;
  EXPECT_EQ(FsyncOf(vfs, "big", /*data_only=*/true).err(), ENOSPC);
  EXPECT_EQ(FsyncOf(vfs, "big").err(), ENOSPC);
  EXPECT_EQ(vfs.SyncAll().err(), ENOSPC);
  EXPECT_EQ(ImageTree(vfs.Snapshot().durable), ImageTree(before.durable));
  EXPECT_EQ(vfs.DurableTree(),
            (Tree{{"big", FileEntry(original)}, {"other", FileEntry("o")}}));
  EXPECT_EQ(vfs.Snapshot().durable.Find(*before.visible.Lookup("big"))->mode,
            0644u);
  EXPECT_EQ(vfs.EnumerateCrashStates(3),
            SimVfs(SimVfs::Options{}, before).EnumerateCrashStates(3));
  // Accepted now: the durable image is what the listener stored.
  store.refuse = false;
  Ok(FsyncOf(vfs, "big"));
  std::string expect =
      original.substr(0, 3000) + std::string(37000, '\0') + "tail";
  EXPECT_EQ(vfs.DurableTree(),
            (Tree{{"big", FileEntry(expect)}, {"other", FileEntry("o")}}));
  EXPECT_EQ(store.last, vfs.DurableTree());
  vfs.Crash();
  EXPECT_EQ(vfs.GetAttr("big")->mode, 0600u);
  EXPECT_EQ(vfs.VisibleTree(), store.last);
}

}  // namespace
}  // namespace crashlab::faultfs
