// GC and recovery under faults: an injected error at every I/O call of a GC
// pass, a power cut before every operation of GC in every crash mode, and a
// power cut before every operation of a recovery that has work to do (cut a
// torn WAL tail, delete leftovers): recovering again always gives the same
// state and never loses a retained checkpoint.
#include <gtest/gtest.h>

#include "engine/layout.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

// Four checkpoints (incremental, sharing files) and synced data after them;
// GC after checkpoints is off, so a Gc() call has two entries to remove.
std::unique_ptr<Engine> PrepareForGc(SimVfs& vfs, const Options& o) {
  auto e = OpenOrDie(vfs, o);
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 10; ++i)
      EXPECT_TRUE(e->Put("k" + std::to_string(i * (round + 1)), "v").ok());
    EXPECT_TRUE(e->Checkpoint().ok());
  }
  EXPECT_TRUE(e->Put("tail", "1").ok());
  EXPECT_TRUE(e->Sync().ok());
  return e;
}

Options GcOptions() {
  Options o = TestOptions();
  o.gc_after_checkpoint = false;
  return o;
}

TEST(GcFault, EveryCallIndex) {
  const Options o = GcOptions();
  uint64_t n = 0;
  {
    SimVfs vfs;
    auto e = PrepareForGc(vfs, o);
    uint64_t before = vfs.op_count();
    ASSERT_OK(e->Gc().status());
    n = vfs.op_count() - before;
  }
  ASSERT_GT(n, 10u);
  for (const char* action : {"error", "error_after"}) {
    int ok = 0, failed = 0;
    for (uint64_t k = 1; k <= n; ++k) {
      SCOPED_TRACE(std::string(action) + " at GC call " + std::to_string(k) +
                   " of " + std::to_string(n));
      SimVfs vfs;
      auto e = PrepareForGc(vfs, o);
      StateDump expected = e->Dump();
      auto before = e->checkpoints();
      AddRule(vfs, std::string(R"({"op": "any", "action": ")") + action +
                       R"(", "nth": )" + std::to_string(k) + "}");
      auto gc = e->Gc();
      vfs.faults().Clear();
      auto after = e->checkpoints();
      if (gc.ok()) {
        ++ok;
        EXPECT_EQ(after.size(), 2u);
      } else {
        ++failed;
        // Either nothing changed, or the catalog commit happened and a later
        // deletion failed: then the list holds exactly the retained two.
        EXPECT_TRUE(after == before || after.size() == 2u);
      }
      // The engine's newest checkpoints still verify.
      for (const auto& c : after) EXPECT_TRUE(e->Verify(c.id).ok) << c.id;
      e.reset();
      auto post = CrashCopy(vfs);
      RecoveryResult res;
      auto e2 = OpenOrDie(*post, o, &res);
      ASSERT_TRUE(e2);
      EXPECT_EQ(res.checkpoint_id, before.back().id);
      EXPECT_EQ(e2->Dump(), expected);
      for (const auto& id : res.catalog) EXPECT_TRUE(e2->Verify(id).ok) << id;
    }
    // Every call of a GC pass is needed: each injected error fails it (fail
    // closed), and none leaves a half-applied state behind.
    EXPECT_EQ(ok + failed, static_cast<int>(n));
    EXPECT_GT(failed, 0);
  }
}

TEST(GcCrash, EveryCrashPointEveryMode) {
  const Options o = GcOptions();
  SimVfs vfs;
  auto e = PrepareForGc(vfs, o);
  StateDump expected = e->Dump();
  std::string newest = e->checkpoints().back().id;
  auto points = CaptureCrashPoints(vfs, [&] { ASSERT_TRUE(e->Gc().ok()); });
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& mode : ModesFor(points[i].state, i)) {
      SCOPED_TRACE("crash before GC op " + std::to_string(i) + " (" +
                   points[i].next_op.path + ") mode " + mode.ToString());
      auto post = AfterCrash(points[i].state, mode);
      RecoveryResult res;
      auto e2 = OpenOrDie(*post, o, &res);
      ASSERT_TRUE(e2);
      EXPECT_EQ(res.checkpoint_id, newest);
      EXPECT_EQ(e2->Dump(), expected);
      // Every checkpoint the recovered catalog lists is whole.
      for (const auto& id : res.catalog) EXPECT_TRUE(e2->Verify(id).ok) << id;
    }
  }
}

// A recovery with work to do, crashed before each of its own operations and
// recovered again: the same state every time (recovery-idempotent).
TEST(RecoveryCrash, EveryCrashPointInsideRecovery) {
  const Options o = TestOptions();
  SimVfs vfs;
  StateDump expected;
  {
    auto e = OpenOrDie(vfs, o);
    for (int i = 0; i < 12; ++i)
      ASSERT_OK(e->Put("k" + std::to_string(i), "v").status());
    ASSERT_OK(e->Checkpoint().status());
    for (int i = 0; i < 6; ++i)
      ASSERT_OK(e->Put("w" + std::to_string(i), "x").status());
    ASSERT_OK(e->Sync());
    expected = e->Dump();
    ASSERT_OK(e->Put("torn", std::string(200, 't')).status());  // will be cut
    ASSERT_OK(e->Sync());
  }
  // Tear the last record and leave a partial checkpoint directory behind.
  auto segs = vfs.ListDir("db/wal");
  ASSERT_OK(segs.status());
  std::string seg = "db/wal/" + segs->back().name;
  ASSERT_OK(vfs.Truncate(seg, vfs.Stat(seg)->size - 50));
  ASSERT_OK(vfs.Mkdir("db/checkpoints/ckpt-0000000009"));
  ASSERT_OK(faultfs::WriteFile(
      vfs, "db/checkpoints/ckpt-0000000009/MANIFEST.json", "{", true));
  ASSERT_OK(vfs.SyncAll());
  RecoveryResult first;
  auto points = CaptureCrashPoints(vfs, [&] {
    auto e = OpenOrDie(vfs, o, &first);
    ASSERT_TRUE(e);
  });
  EXPECT_GT(first.bytes_cut, 0u);
  EXPECT_FALSE(first.deleted.empty());
  size_t states = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& mode : ModesFor(points[i].state, i)) {
      SCOPED_TRACE("crash before recovery op " + std::to_string(i) + " mode " +
                   mode.ToString());
      auto post = AfterCrash(points[i].state, mode);
      RecoveryResult res;
      auto e2 = OpenOrDie(*post, o, &res);
      ASSERT_TRUE(e2);
      EXPECT_EQ(e2->Dump(), expected);
      EXPECT_EQ(res.checkpoint_id, first.checkpoint_id);
      ++states;
    }
  }
  EXPECT_GT(states, 10u);
}

}  // namespace
}  // namespace crashlab::engine
