// Each unsafe mode makes one genuine deviation; each test shows the safe
// engine holding and the unsafe one breaking on the same sequence.
#include <gtest/gtest.h>

#include "engine/inspect.h"
#include "engine/layout.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

Options With(std::initializer_list<UnsafeMode> modes) {
  Options o = TestOptions();
  o.unsafe = UnsafeModes(modes);
  return o;
}

TEST(UnsafeModeNames, RoundTrip) {
  EXPECT_EQ(AllUnsafeModes().size(), 15u);
  for (auto m : AllUnsafeModes()) {
    EXPECT_EQ(UnsafeModeFromName(UnsafeModeName(m)), m);
    EXPECT_FALSE(UnsafeModeDescription(m).empty());
  }
  auto parsed = UnsafeModes::Parse({"skip-verify", "ack-before-fsync"});
  ASSERT_OK(parsed.status());
  EXPECT_TRUE(parsed->has(UnsafeMode::kSkipVerify));
  auto bad = UnsafeModes::Parse({"skip-everything"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("skip-everything"), std::string::npos);
}

// skip-dir-fsync: an acknowledged checkpoint is lost by a plain power cut.
TEST(UnsafeMode, SkipDirFsyncLosesAcknowledgedCheckpoint) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kSkipDirFsync}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    auto r = e->Checkpoint();
    ASSERT_OK(r.status());
    e.reset();
    vfs.Crash();
    RecoveryResult res;
    auto e2 = Engine::Open(vfs, "db", o, &res);
    if (unsafe) {
      EXPECT_NE(res.checkpoint_id, r->info.id) << res.ToText();
    } else {
      EXPECT_EQ(res.checkpoint_id, r->info.id);
    }
  }
}

// catalog-in-place: some crash during the catalog rewrite leaves it torn.
TEST(UnsafeMode, CatalogInPlaceCanTearTheCatalog) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kCatalogInPlace}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Checkpoint().status());
    ASSERT_OK(e->Put("b", "2").status());
    auto points =
        CaptureCrashPoints(vfs, [&] { ASSERT_TRUE(e->Checkpoint().ok()); });
    int failures = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      for (const auto& mode : ModesFor(points[i].state, i)) {
        auto post = AfterCrash(points[i].state, mode);
        RecoveryResult res;
        auto e2 = Engine::Open(*post, "db", o, &res);
        if (!e2.ok()) {
          ++failures;
          EXPECT_EQ(ProblemCodes(res.problems),
                    std::vector<std::string>{"catalog-corrupt"});
        }
      }
    }
    if (unsafe) {
      EXPECT_GT(failures, 0);
    } else {
      EXPECT_EQ(failures, 0);
    }
  }
}

// no-rollback-on-commit-error: callers see a checkpoint no restart finds.
TEST(UnsafeMode, NoRollbackLeavesPhantom) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o =
        unsafe ? With({UnsafeMode::kNoRollbackOnCommitError}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Checkpoint().status());
    AddRule(
        vfs,
        R"({"op": "rename", "path": "**/CATALOG.json.tmp", "action": "error", "times": 1})");
    EXPECT_FALSE(e->Checkpoint().ok());
    auto listed = e->checkpoints();
    e.reset();
    vfs.Crash();
    RecoveryResult res;
    auto e2 = OpenOrDie(vfs, o, &res);
    ASSERT_TRUE(e2);
    EXPECT_EQ(listed.size(), unsafe ? 2u : 1u);
    EXPECT_EQ(res.catalog.size(), 1u);  // the phantom is gone after restart
  }
}

// gc-when-catalog-missing: a lost catalog wipes every checkpoint.
TEST(UnsafeMode, GcWhenCatalogMissingDeletesCheckpoints) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o =
        unsafe ? With({UnsafeMode::kGcWhenCatalogMissing}) : TestOptions();
    {
      auto e = OpenOrDie(vfs, o);
      for (int i = 0; i < 10; ++i)
        ASSERT_OK(e->Put("k" + std::to_string(i), "v").status());
      ASSERT_OK(e->Checkpoint().status());
      ASSERT_OK(e->Put("late", "v").status());
      ASSERT_OK(e->Sync());
    }
    ASSERT_OK(vfs.Unlink("db/checkpoints/CATALOG.json"));
    RecoveryResult res;
    auto e = Engine::Open(vfs, "db", o, &res);
    if (unsafe) {
      ASSERT_OK(e.status());
      EXPECT_FALSE(res.deleted.empty());
      EXPECT_FALSE(vfs.Stat("db/checkpoints/ckpt-0000000001").ok());
      EXPECT_EQ((*e)->Get("k1"), std::nullopt);  // acknowledged data gone
    } else {
      EXPECT_FALSE(e.ok());
      EXPECT_TRUE(
          vfs.Stat("db/checkpoints/ckpt-0000000001/MANIFEST.json").ok());
    }
  }
}

// gc-ignores-manifest-errors: GC deletes files a retained checkpoint needs.
TEST(UnsafeMode, GcIgnoresManifestErrorsBreaksRetainedCheckpoint) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o =
        unsafe ? With({UnsafeMode::kGcIgnoresManifestErrors}) : TestOptions();
    o.gc_after_checkpoint = false;
    auto e = OpenOrDie(vfs, o);
    for (int j = 0; j < 20; ++j)
      ASSERT_OK(e->Put("k" + std::to_string(j), "x").status());
    ASSERT_OK(e->Checkpoint().status());  // 1 full
    ASSERT_OK(e->Put("k0", "y").status());
    ASSERT_OK(e->Checkpoint().status());  // 2 incremental
    ASSERT_OK(e->Put("k0", "z").status());
    ASSERT_OK(e->Checkpoint().status());  // 3 incremental (inherits 1, 2)
    ASSERT_OK(e->Checkpoint(CheckpointKind::kFull).status());  // 4 full
    AddRule(
        vfs,
        R"({"op": "read", "path": "db/checkpoints/ckpt-0000000003/MANIFEST.json", "action": "corrupt", "corrupt": {"bitflips": 16}, "times": 1})");
    auto gc = e->Gc();
    vfs.faults().Clear();
    if (unsafe) {
      ASSERT_OK(gc.status());
      EXPECT_FALSE(
          e->Verify("ckpt-0000000003").ok);  // its inherited files are gone
    } else {
      EXPECT_FALSE(gc.ok());
      EXPECT_TRUE(e->Verify("ckpt-0000000003").ok);
    }
  }
}

// gc-ignores-children: GC deletes a parent's files an incremental child needs.
TEST(UnsafeMode, GcIgnoresChildrenBreaksIncrementalChain) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kGcIgnoresChildren}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    for (int j = 0; j < 20; ++j)
      ASSERT_OK(e->Put("k" + std::to_string(j), "x").status());
    ASSERT_OK(e->Checkpoint().status());
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(e->Put("k0", std::to_string(i)).status());
      ASSERT_OK(e->Checkpoint().status());
    }
    bool newest_ok = e->Verify().ok;
    e.reset();
    vfs.Crash();
    RecoveryResult res;
    auto e2 = Engine::Open(vfs, "db", o, &res);
    if (unsafe) {
      EXPECT_FALSE(newest_ok);
      EXPECT_FALSE(e2.ok());
      EXPECT_EQ(ProblemCodes(res.problems)[0], "state-missing");
    } else {
      EXPECT_TRUE(newest_ok);
      EXPECT_TRUE(e2.ok());
    }
  }
}

// skip-verify: a missing state file silently loads as empty.
TEST(UnsafeMode, SkipVerifyStartsSilentlyWithLostState) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kSkipVerify}) : TestOptions();
    {
      auto e = OpenOrDie(vfs, o);
      for (int j = 0; j < 20; ++j)
        ASSERT_OK(e->Put("k" + std::to_string(j), "x").status());
      ASSERT_OK(e->Checkpoint().status());
    }
    ASSERT_OK(vfs.Unlink(
        "db/checkpoints/ckpt-0000000001/operators/kv/partition-0.snap"));
    RecoveryResult res;
    auto e = Engine::Open(vfs, "db", o, &res);
    if (unsafe) {
      ASSERT_OK(e.status());
      EXPECT_LT((*e)->Scan().size(), 20u);
    } else {
      EXPECT_FALSE(e.ok());
    }
  }
}

// truncate-wal-early: a failed commit after the WAL cut loses acknowledged
// writes.
TEST(UnsafeMode, TruncateWalEarlyLosesAcknowledgedWrites) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kTruncateWalEarly}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Checkpoint().status());
    ASSERT_OK(e->Put("b", "2").status());
    ASSERT_OK(e->Sync());  // acknowledged
    AddRule(
        vfs,
        R"({"op": "rename", "path": "**/CATALOG.json.tmp", "action": "crash", "times": 1})");
    EXPECT_FALSE(e->Checkpoint().ok());
    e.reset();
    vfs.Restart();
    RecoveryResult res;
    auto e2 = Engine::Open(vfs, "db", o, &res);
    if (unsafe) {
      EXPECT_TRUE(!e2.ok() || !(*e2)->Get("b").has_value()) << res.ToText();
    } else {
      ASSERT_OK(e2.status());
      EXPECT_EQ((*e2)->Get("b"), "2");
    }
  }
}

// ack-before-fsync: Sync() returns before the data is durable.
TEST(UnsafeMode, AckBeforeFsyncLosesAcknowledgedWrites) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kAckBeforeFsync}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Sync());
    EXPECT_EQ(e->durable_lsn(), 1u);
    e.reset();
    vfs.Crash();
    auto e2 = OpenOrDie(vfs, o);
    ASSERT_TRUE(e2);
    EXPECT_EQ(e2->Get("a").has_value(), !unsafe);
  }
}

// frozen-durable-lsn: Sync() returns ok before the data is durable, and
// durable_lsn() never moves, so it "admits" nothing was acknowledged.
TEST(UnsafeMode, FrozenDurableLsnLiesAndLosesSyncedWrites) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kFrozenDurableLsn}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Sync());
    EXPECT_EQ(e->durable_lsn(), unsafe ? 0u : 1u);
    e.reset();
    vfs.Crash();
    auto e2 = OpenOrDie(vfs, o);
    ASSERT_TRUE(e2);
    EXPECT_EQ(e2->Get("a").has_value(), !unsafe);
  }
}

// omit-acked-checkpoint: Checkpoint() returns ok, checkpoints() never lists
// it and no restart finds it.
TEST(UnsafeMode, OmitAckedCheckpointAcknowledgesWithoutCommit) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o =
        unsafe ? With({UnsafeMode::kOmitAckedCheckpoint}) : TestOptions();
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    auto r = e->Checkpoint();
    ASSERT_OK(r.status());
    EXPECT_EQ(e->checkpoints().size(), unsafe ? 0u : 1u);
    e.reset();
    RecoveryResult res;
    auto e2 = Engine::Open(vfs, "db", o, &res);
    ASSERT_OK(e2.status());
    EXPECT_EQ(res.checkpoint_id == r->info.id, !unsafe) << res.ToText();
  }
}

// verify-passes-all: a COMMITTED marker that does not name the manifest's
// sha256 passes verification, in recovery and in Inspect alike.
TEST(UnsafeMode, VerifyPassesAllLoadsADamagedCheckpoint) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kVerifyPassesAll}) : TestOptions();
    std::string id;
    {
      auto e = OpenOrDie(vfs, o);
      ASSERT_OK(e->Put("a", "1").status());
      auto r = e->Checkpoint();
      ASSERT_OK(r.status());
      id = r->info.id;
    }
    ASSERT_OK(faultfs::WriteFile(vfs, layout::Marker("db", id),
                                 std::string(64, '0') + "\n", true));
    InspectReport rep = Inspect(vfs, "db", o);
    ASSERT_EQ(rep.checkpoints.size(), 1u);
    EXPECT_EQ(rep.checkpoints.back().problems.empty(), unsafe);
    RecoveryResult res;
    auto e2 = Engine::Open(vfs, "db", o, &res);
    EXPECT_EQ(e2.ok(), unsafe) << res.ToText();
  }
}

// trust-torn-wal: a damaged last record is applied instead of cut.
TEST(UnsafeMode, TrustTornWalAppliesDamagedRecord) {
  for (bool unsafe : {false, true}) {
    SimVfs vfs;
    Options o = unsafe ? With({UnsafeMode::kTrustTornWal}) : TestOptions();
    {
      auto e = OpenOrDie(vfs, o);
      ASSERT_OK(e->Put("a", "1").status());
      ASSERT_OK(e->Sync());
      ASSERT_OK(e->Put("b", std::string(40, 'v')).status());
      ASSERT_OK(e->Sync());
    }
    auto segs = vfs.ListDir("db/wal");
    ASSERT_OK(segs.status());
    std::string path = "db/wal/" + segs->back().name;
    auto data = faultfs::ReadFile(vfs, path);
    ASSERT_OK(data.status());
    // Damage the middle of the last value, as a torn sector would.
    auto f = vfs.Open(path, faultfs::OpenOptions::ReadWrite());
    ASSERT_OK(f.status());
    ASSERT_OK(faultfs::WriteAll(**f, data->size() - 20, std::string(10, '\0')));
    ASSERT_OK((*f)->Sync());
    ASSERT_OK((*f)->Close());
    RecoveryResult res;
    auto e = OpenOrDie(vfs, o, &res);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->Get("a"), "1");
    if (unsafe) {
      ASSERT_TRUE(e->Get("b").has_value());
      EXPECT_NE(*e->Get("b"), std::string(40, 'v'));
    } else {
      EXPECT_EQ(e->Get("b"), std::nullopt);
      EXPECT_GT(res.bytes_cut, 0u);
      EXPECT_EQ(ProblemCodes(res.problems),
                std::vector<std::string>{"wal-torn-tail"});
    }
  }
}

}  // namespace
}  // namespace crashlab::engine
