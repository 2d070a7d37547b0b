// Basic behaviour: writes, reads, durability, checkpoints and recovery.
#include <gtest/gtest.h>

#include "engine/layout.h"
#include "engine_test_util.h"
#include "faultfs/posix_vfs.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT: test helpers
using faultfs::SimVfs;

TEST(EngineBasic, PutGetDeleteScan) {
  SimVfs vfs;
  auto e = OpenOrDie(vfs, TestOptions());
  ASSERT_TRUE(e);
  ASSERT_OK(e->Put("b", "2").status());
  ASSERT_OK(e->Put("a", "1").status());
  ASSERT_OK(e->Put("c", "3").status());
  ASSERT_OK(e->Delete("b").status());
  EXPECT_EQ(e->Get("a"), "1");
  EXPECT_EQ(e->Get("b"), std::nullopt);
  auto all = e->Scan();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "a");
  EXPECT_EQ(all[1].first, "c");
  EXPECT_EQ(e->Scan("b", "c").size(), 0u);
  EXPECT_EQ(e->Scan("", "", 1).size(), 1u);
  EXPECT_EQ(e->last_lsn(), 4u);
}

TEST(EngineBasic, SyncedWritesSurviveCrashUnsyncedMayNot) {
  SimVfs vfs;
  {
    auto e = OpenOrDie(vfs, TestOptions());
    ASSERT_OK(e->Put("k1", "v1").status());
    ASSERT_OK(e->SetSourceOffset("topic-0", 42).status());
    ASSERT_OK(e->SetWatermark(7).status());
    ASSERT_OK(e->Sync());
    EXPECT_EQ(e->durable_lsn(), 3u);
    ASSERT_OK(e->Put("k2", "v2").status());  // not synced (group of 4 not full)
    EXPECT_EQ(e->durable_lsn(), 3u);
  }
  vfs.Crash();
  RecoveryResult res;
  auto e = OpenOrDie(vfs, TestOptions(), &res);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Get("k1"), "v1");
  EXPECT_EQ(e->Get("k2"), std::nullopt);
  EXPECT_EQ(e->source_offsets().at("topic-0"), 42u);
  EXPECT_EQ(e->watermark(), 7u);
  EXPECT_EQ(res.records_replayed, 3u);
  EXPECT_EQ(res.last_lsn, 3u);
  // New writes continue the LSN sequence.
  EXPECT_EQ(*e->Put("k3", "v3"), 4u);
}

TEST(EngineBasic, GroupCommitFlushesWhenFull) {
  SimVfs vfs;
  auto e = OpenOrDie(vfs, TestOptions());
  for (int i = 0; i < 3; ++i)
    ASSERT_OK(e->Put("k" + std::to_string(i), "v").status());
  EXPECT_EQ(e->durable_lsn(), 0u);
  ASSERT_OK(e->Put("k3", "v").status());
  EXPECT_EQ(e->durable_lsn(), 4u);
  ASSERT_OK(e->WaitDurable(4));
}

TEST(EngineBasic, CheckpointThenRecoverFromCheckpointAndWal) {
  SimVfs vfs;
  Options o = TestOptions();
  {
    auto e = OpenOrDie(vfs, o);
    for (int i = 0; i < 200; ++i)
      ASSERT_OK(
          e->Put("key" + std::to_string(i), "v" + std::to_string(i)).status());
    auto c1 = e->Checkpoint();
    ASSERT_OK(c1.status());
    EXPECT_EQ(c1->info.kind, CheckpointKind::kFull);
    EXPECT_EQ(c1->info.epoch, 1u);
    EXPECT_EQ(c1->info.wal_position, 200u);
    ASSERT_OK(e->Put("key3", "changed").status());
    ASSERT_OK(e->Delete("key4").status());
    auto c2 = e->Checkpoint();
    ASSERT_OK(c2.status());
    EXPECT_EQ(c2->info.kind, CheckpointKind::kIncremental);
    EXPECT_EQ(c2->info.parent, c1->info.id);
    EXPECT_LT(c2->info.bytes_written, c1->info.bytes_written);
    ASSERT_OK(e->Put("after", "x").status());
    ASSERT_OK(e->Sync());
    EXPECT_EQ(e->checkpoints().size(), 2u);
  }
  vfs.Crash();
  RecoveryResult res;
  auto e = OpenOrDie(vfs, o, &res);
  ASSERT_TRUE(e);
  EXPECT_EQ(res.checkpoint_id, "ckpt-0000000002");
  EXPECT_EQ(res.epoch, 2u);
  EXPECT_EQ(res.records_replayed, 1u);
  EXPECT_FALSE(res.fallback_used);
  EXPECT_EQ(e->Get("key3"), "changed");
  EXPECT_EQ(e->Get("key4"), std::nullopt);
  EXPECT_EQ(e->Get("key5"), "v5");
  EXPECT_EQ(e->Get("after"), "x");
  EXPECT_EQ(e->Scan().size(), 200u);
  auto v = e->Verify();
  EXPECT_TRUE(v.ok) << v.ToJson().dump();
}

TEST(EngineBasic, RetentionKeepsNewestAndSharedFiles) {
  SimVfs vfs;
  Options o = TestOptions();
  o.max_retained = 2;
  auto e = OpenOrDie(vfs, o);
  std::vector<std::string> ids;
  for (int round = 0; round < 5; ++round) {
    ASSERT_OK(e->Put("r" + std::to_string(round), "x").status());
    auto c = e->Checkpoint();
    ASSERT_OK(c.status());
    ids.push_back(c->info.id);
  }
  auto list = e->checkpoints();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, ids[3]);
  EXPECT_EQ(list[1].id, ids[4]);
  // The newest checkpoints still verify: inherited files were kept.
  EXPECT_TRUE(e->Verify(ids[3]).ok) << e->Verify(ids[3]).ToJson().dump();
  EXPECT_TRUE(e->Verify(ids[4]).ok);
  vfs.Crash();
  auto e2 = OpenOrDie(vfs, o);
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->Scan().size(), 5u);
}

TEST(EngineBasic, MaxRetainedHasFloorOfTwo) {
  Options o = TestOptions();
  o.max_retained = 1;
  EXPECT_EQ(o.effective_max_retained(), 2u);
  SimVfs vfs;
  auto e = OpenOrDie(vfs, o);
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(e->Put("k", std::to_string(i)).status());
    ASSERT_OK(e->Checkpoint().status());
  }
  EXPECT_EQ(e->checkpoints().size(), 2u);
}

TEST(EngineBasic, ProtectedCheckpointIsNeverCollected) {
  SimVfs vfs;
  Options o = TestOptions();
  o.protected_ids = {"ckpt-0000000001"};
  auto e = OpenOrDie(vfs, o);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(e->Put("k", std::to_string(i)).status());
    ASSERT_OK(e->Checkpoint().status());
  }
  auto list = e->checkpoints();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "ckpt-0000000001");
  EXPECT_TRUE(e->Verify("ckpt-0000000001").ok);
}

TEST(EngineBasic, WalIsTruncatedAfterCheckpoint) {
  SimVfs vfs;
  Options o = TestOptions();
  auto e = OpenOrDie(vfs, o);
  for (int i = 0; i < 10; ++i)
    ASSERT_OK(e->Put("k" + std::to_string(i), "v").status());
  ASSERT_OK(e->Sync());
  auto before = vfs.ListDir("db/wal");
  ASSERT_OK(before.status());
  EXPECT_EQ(before->size(), 1u);
  auto c = e->Checkpoint();
  ASSERT_OK(c.status());
  EXPECT_EQ(c->gc.wal_deleted.size(), 1u);
  auto after = vfs.ListDir("db/wal");
  EXPECT_TRUE(after->empty());
  ASSERT_OK(e->Put("z", "1").status());
  ASSERT_OK(e->Sync());
  EXPECT_EQ(vfs.ListDir("db/wal")->at(0).name, layout::WalSegmentName(11));
}

TEST(EngineBasic, SegmentsRollAndReplayAcrossThem) {
  SimVfs vfs;
  Options o = TestOptions();
  o.wal_segment_bytes = 4096;
  {
    auto e = OpenOrDie(vfs, o);
    for (int i = 0; i < 400; ++i)
      ASSERT_OK(
          e->Put("key" + std::to_string(i), std::string(20, 'v')).status());
    ASSERT_OK(e->Sync());
  }
  EXPECT_GT(vfs.ListDir("db/wal")->size(), 2u);
  vfs.Crash();
  RecoveryResult res;
  auto e = OpenOrDie(vfs, o, &res);
  ASSERT_TRUE(e);
  EXPECT_EQ(res.records_replayed, 400u);
  EXPECT_EQ(e->Scan().size(), 400u);
}

TEST(EngineBasic, SchemaFingerprintMismatchIsRefused) {
  SimVfs vfs;
  Options o = TestOptions();
  {
    auto e = OpenOrDie(vfs, o);
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Checkpoint().status());
  }
  Options other = o;
  other.schema_fingerprint = "crashlab.kv.v2";
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", other, &res);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"schema-mismatch"});
  EXPECT_TRUE(vfs.Stat("db/checkpoints/ckpt-0000000001/MANIFEST.json")
                  .ok());  // nothing deleted
}

TEST(EngineBasic, RecoveryResultSerialises) {
  SimVfs vfs;
  RecoveryResult res;
  auto e = OpenOrDie(vfs, TestOptions(), &res);
  auto j = res.ToJson();
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_TRUE(j["fresh"].get<bool>());
  EXPECT_EQ(j["checkpoint"], "");
}

TEST(EngineBasic, CheckpointTriggers) {
  SimVfs vfs;
  Options o = TestOptions();
  o.checkpoint_wal_bytes = 500;
  auto e = OpenOrDie(vfs, o);
  ASSERT_OK(e->Put("a", "1").status());
  auto r = e->MaybeCheckpoint();
  ASSERT_OK(r.status());
  EXPECT_FALSE(r->has_value());
  for (int i = 0; i < 20; ++i)
    ASSERT_OK(e->Put("k" + std::to_string(i), std::string(30, 'x')).status());
  ASSERT_OK(e->Sync());
  r = e->MaybeCheckpoint();
  ASSERT_OK(r.status());
  EXPECT_TRUE(r->has_value());
  EXPECT_EQ(e->wal_bytes_since_checkpoint(), 0u);
}

TEST(EngineBasic, WorksOnPosixVfs) {
  char tmpl[] = "/tmp/crashlab-engine-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  auto vfs = faultfs::PosixVfs::Create(tmpl);
  ASSERT_OK(vfs.status());
  {
    auto e = OpenOrDie(**vfs, TestOptions());
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Checkpoint().status());
    ASSERT_OK(e->Put("b", "2").status());
    ASSERT_OK(e->Close());
  }
  auto e = OpenOrDie(**vfs, TestOptions());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Get("a"), "1");
  EXPECT_EQ(e->Get("b"), "2");
  std::string cmd = std::string("rm -rf ") + tmpl;
  ASSERT_EQ(system(cmd.c_str()), 0);
}

// The simulator replays the engine: the same calls must give the same trace.
TEST(EngineBasic, DeterministicTrace) {
  auto run = [] {
    SimVfs vfs;
    Options o = TestOptions();
    auto e = OpenOrDie(vfs, o);
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 9; ++i)
        EXPECT_TRUE(e->Put("k" + std::to_string(i * round), "v").ok());
      EXPECT_TRUE(e->Delete("k3").ok());
      EXPECT_TRUE(e->Checkpoint().ok());
    }
    EXPECT_TRUE(e->Gc().ok());
    e.reset();
    vfs.Crash();
    auto e2 = OpenOrDie(vfs, o);
    return std::make_pair(faultfs::TraceToJsonLines(vfs.trace()),
                          vfs.VisibleTree());
  };
  auto a = run();
  auto b = run();
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.second, b.second);
}

TEST(EngineBasic, BackgroundFlusherMakesWritesDurable) {
  SimVfs vfs;
  Options o = TestOptions();
  o.background_flush = true;
  o.wal_group_size = 1000;
  auto e = OpenOrDie(vfs, o);
  auto lsn = e->Put("a", "1");
  ASSERT_OK(lsn.status());
  ASSERT_OK(e->WaitDurable(*lsn));
  EXPECT_GE(e->durable_lsn(), *lsn);
  ASSERT_OK(e->Close());
}

}  // namespace
}  // namespace crashlab::engine
