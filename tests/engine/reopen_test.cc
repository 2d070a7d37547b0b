// Reopening without a power cut after a failed or torn WAL write: what the
// previous engine wrote is visible but may not be durable (fsyncgate dropped
// the dirty pages, the disk tore the write, a wal/ fsync dropped the name).
// Contract: whatever Open serves survives any later power cut.
#include <gtest/gtest.h>

#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

Options GroupOf(uint32_t n) {
  Options o = TestOptions();
  o.wal_group_size = n;
  return o;
}

// Opens `vfs` (no crash), returns the state Open served; then checks that a
// power cut right after Open recovers exactly that state.
StateDump ReopenAndCheckDurable(SimVfs& vfs, const Options& o,
                                RecoveryResult* res = nullptr) {
  RecoveryResult local;
  auto e = OpenOrDie(vfs, o, res ? res : &local);
  EXPECT_TRUE(e);
  if (!e) return {};
  StateDump served = e->Dump();
  auto crashed = CrashCopy(vfs);
  auto after = OpenOrDie(*crashed, o);
  EXPECT_TRUE(after);
  if (after) {
    EXPECT_EQ(after->Dump(), served)
        << "Open served a state that a power cut loses";
  }
  return served;
}

TEST(Reopen, FsyncgateOnPutThenReopenServesOnlyDurableState) {
  SimVfs vfs;
  Options o = GroupOf(1);
  auto e = OpenOrDie(vfs, o);
  ASSERT_OK(e->Put("a", "1").status());
  AddRule(
      vfs,
      R"({"op": "fdatasync", "path": "db/wal/*.log", "action": "fsyncgate", "nth": 1})");
  EXPECT_FALSE(
      e->Put("b", std::string(300, 'x')).ok());  // written, fdatasync EIO
  EXPECT_EQ(e->durable_lsn(), 1u);
  EXPECT_FALSE(e->Close().ok());
  e.reset();
  vfs.faults().Clear();
  RecoveryResult res;
  StateDump served = ReopenAndCheckDurable(vfs, o, &res);
  // The failed put was visible, so recovery replays it; it is now durable.
  EXPECT_EQ(served.kv.count("b"), 1u);
  EXPECT_GT(res.bytes_repersisted, 0u);
  EXPECT_FALSE(res.catalog_repersisted);  // no catalog write was interrupted
}

TEST(Reopen, FsyncgateAtCloseThenReopenServesOnlyDurableState) {
  SimVfs vfs;
  Options o = GroupOf(8);
  auto e = OpenOrDie(vfs, o);
  ASSERT_OK(e->Put("a", "1").status());
  ASSERT_OK(e->Sync());
  ASSERT_OK(e->Put("b", "2").status());  // pending in the group
  AddRule(
      vfs,
      R"({"op": "fdatasync", "path": "db/wal/*.log", "action": "fsyncgate", "nth": 1})");
  EXPECT_FALSE(e->Close().ok());
  e.reset();
  vfs.faults().Clear();
  StateDump served = ReopenAndCheckDurable(vfs, o);
  EXPECT_EQ(served.kv.at("a"), "1");
}

TEST(Reopen, TornAcknowledgedGroupThenReopenServesOnlyDurableState) {
  SimVfs vfs;
  Options o = GroupOf(8);
  auto e = OpenOrDie(vfs, o);
  // The disk keeps only the first 512 bytes of the group, though fdatasync
  // succeeds.
  AddRule(
      vfs,
      R"({"op": "write", "path": "db/wal/*.log", "action": "torn", "bytes": 512, "times": 1})");
  for (int i = 0; i < 3; ++i)
    ASSERT_OK(e->Put("k" + std::to_string(i), std::string(300, 'v')).status());
  ASSERT_OK(e->Close());
  e.reset();
  StateDump served = ReopenAndCheckDurable(vfs, o);
  EXPECT_EQ(served.kv.size(), 3u);
}

TEST(Reopen, FsyncgateOnWalDirThenReopenKeepsAcknowledgedWrites) {
  SimVfs vfs;
  Options o = GroupOf(1);
  auto e = OpenOrDie(vfs, o);
  // The fsync of wal/ after creating the first segment drops its entry for
  // good.
  AddRule(
      vfs,
      R"({"op": "fsyncdir", "path": "db/wal", "action": "fsyncgate", "nth": 1})");
  EXPECT_FALSE(e->Put("a", "1").ok());
  EXPECT_FALSE(e->Close().ok());
  e.reset();
  vfs.faults().Clear();
  auto e2 = OpenOrDie(vfs, o);
  ASSERT_TRUE(e2);
  ASSERT_OK(e2->Put("b", "2").status());
  ASSERT_OK(e2->Sync());  // acknowledged: must survive a power cut
  e2.reset();
  auto crashed = CrashCopy(vfs);
  auto after = OpenOrDie(*crashed, o);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->Get("b"), "2");
}

TEST(Reopen, RepersistFailureFailsOpen) {
  SimVfs vfs;
  Options o = GroupOf(1);
  auto e = OpenOrDie(vfs, o);
  ASSERT_OK(e->Put("a", "1").status());
  e.reset();
  AddRule(
      vfs,
      R"({"op": "fdatasync", "path": "db/wal/*.log", "action": "error", "errno": "EIO", "times": 1})");
  RecoveryResult res;
  auto r = Engine::Open(vfs, "db", o, &res);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(res.ok);
  ASSERT_FALSE(res.problems.empty());
  EXPECT_EQ(res.problems.back().code, "io-error");
}

// The catalog's directory fsync drops the rename of a commit (fsyncgate) and
// the restore of the old catalog fails before its rename: the visible
// catalog lists a checkpoint the durable one does not.
TEST(Reopen, UncertainCatalogIsRepersistedBeforeItIsServed) {
  SimVfs vfs;
  Options o = TestOptions();
  auto e = OpenOrDie(vfs, o);
  ASSERT_OK(e->Put("a", "1").status());
  ASSERT_OK(e->Checkpoint().status());
  auto before = e->checkpoints();
  AddRule(
      vfs,
      R"({"op": "fsyncdir", "path": "db/checkpoints", "action": "fsyncgate", "nth": 2})");
  AddRule(
      vfs,
      R"({"op": "write", "path": "db/checkpoints/CATALOG.json.tmp", "action": "error", "errno": "ENOSPC", "nth": 2})");
  EXPECT_FALSE(e->Checkpoint().ok());
  EXPECT_EQ(e->checkpoints(), before);
  e.reset();
  vfs.faults().Clear();
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, o, &res);
  ASSERT_TRUE(e2);
  EXPECT_TRUE(res.catalog_repersisted);  // the failed restore left its tmp file
  auto served = e2->checkpoints();
  EXPECT_EQ(served.size(),
            2u);  // the visible catalog lists the failed commit's checkpoint
  e2.reset();
  EXPECT_FALSE(vfs.Stat("db/checkpoints/CATALOG.json.tmp").ok());
  auto crashed = CrashCopy(vfs);
  auto after = OpenOrDie(*crashed, o);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->checkpoints(), served);
}

// A power cut at every operation of the re-persisting recovery, in every
// mode: the next recovery gives the durable state before it or the state it
// served, never anything else.
TEST(Reopen, CrashAtEveryOpOfRepersistingRecovery) {
  SimVfs vfs;
  Options o = GroupOf(1);
  StateDump before;
  {
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    before = e->Dump();
    AddRule(
        vfs,
        R"({"op": "fdatasync", "path": "db/wal/*.log", "action": "fsyncgate", "nth": 1})");
    EXPECT_FALSE(e->Put("b", std::string(700, 'x')).ok());
  }
  vfs.faults().Clear();
  StateDump served;
  auto points = CaptureCrashPoints(vfs, [&] {
    auto e = OpenOrDie(vfs, o);
    ASSERT_TRUE(e);
    served = e->Dump();
  });
  ASSERT_NE(served, before);
  size_t checked = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& mode : ModesFor(points[i].state, i)) {
      auto v = AfterCrash(points[i].state, mode);
      auto e = OpenOrDie(*v, o);
      ASSERT_TRUE(e) << "op " << i << " mode " << mode.ToString();
      StateDump got = e->Dump();
      EXPECT_TRUE(got == before || got == served)
          << "op " << i << " mode " << mode.ToString();
      if (i + 1 == points.size()) {
        EXPECT_EQ(got, served) << "mode " << mode.ToString();
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 10u);
}

}  // namespace
}  // namespace crashlab::engine
