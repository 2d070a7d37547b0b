// The nine lessons of docs/design.md ("Lessons and unsafe modes"), one test (or
// more) each.
#include <gtest/gtest.h>

#include "engine/layout.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

std::vector<std::string> ListTree(SimVfs& vfs) {
  std::vector<std::string> out;
  for (const auto& [path, entry] : vfs.VisibleTree()) out.push_back(path);
  return out;
}

std::unique_ptr<Engine> WithCheckpoints(SimVfs& vfs, const Options& o, int n) {
  auto e = OpenOrDie(vfs, o);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 8; ++j)
      EXPECT_TRUE(e->Put("k" + std::to_string(j), std::to_string(i)).ok());
    EXPECT_TRUE(e->Checkpoint().ok());
  }
  return e;
}

// 1. A failed catalog write or directory fsync rolls back the in-memory list.
TEST(Lesson1, FailedCatalogRenameRollsBack) {
  SimVfs vfs;
  auto e = WithCheckpoints(vfs, TestOptions(), 1);
  auto before = e->checkpoints();
  AddRule(
      vfs,
      R"({"op": "rename", "path": "**/CATALOG.json.tmp", "action": "error_after", "errno": "EIO", "times": 1})");
  EXPECT_FALSE(e->Checkpoint().ok());
  EXPECT_EQ(e->checkpoints(), before);
  vfs.Crash();
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, TestOptions(), &res);
  EXPECT_EQ(res.checkpoint_id, before.back().id);
}

TEST(Lesson1, FailedCatalogDirFsyncRollsBack) {
  SimVfs vfs;
  auto e = WithCheckpoints(vfs, TestOptions(), 1);
  auto before = e->checkpoints();
  // The 3rd fsync of checkpoints/ in a commit is the one after the catalog
  // rename.
  AddRule(
      vfs,
      R"({"op": "fsyncdir", "path": "db/checkpoints", "action": "error", "errno": "EIO", "nth": 2})");
  auto r = e->Checkpoint();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(e->checkpoints(), before);
  vfs.Crash();
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, TestOptions(), &res);
  EXPECT_EQ(res.checkpoint_id, before.back().id);
  // The engine stays usable: the next checkpoint commits under a new id.
  auto r2 = e->Checkpoint();
  ASSERT_OK(r2.status());
}

// 2. A missing catalog next to checkpoint directories: refuse, delete nothing.
TEST(Lesson2, MissingCatalogRefusesAndDeletesNothing) {
  SimVfs vfs;
  StateDump expected;
  {
    auto e = WithCheckpoints(vfs, TestOptions(), 3);
    expected = e->Dump();
  }
  ASSERT_OK(vfs.Unlink("db/checkpoints/CATALOG.json"));
  auto files = ListTree(vfs);
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", TestOptions(), &res);
  ASSERT_FALSE(e.ok());
  ASSERT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"catalog-missing"});
  EXPECT_NE(res.problems[0].message.find("ckpt-0000000003"), std::string::npos);
  EXPECT_EQ(ListTree(vfs), files);
  // The explicit way out.
  std::vector<Problem> skipped;
  auto ids = Engine::RebuildCatalog(vfs, "db", TestOptions(), false, &skipped);
  ASSERT_OK(ids.status());
  EXPECT_EQ(ids->size(), 2u);  // retention kept two
  auto e2 = OpenOrDie(vfs, TestOptions(), &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.checkpoint_id, "ckpt-0000000003");
  EXPECT_EQ(e2->Dump(), expected);
}

TEST(Lesson2, RebuildCatalogRefusesWhenCatalogReadable) {
  SimVfs vfs;
  WithCheckpoints(vfs, TestOptions(), 1);
  auto r = Engine::RebuildCatalog(vfs, "db", TestOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().err(), EEXIST);
}

// 3. GC fails closed on an unreadable retained manifest.
TEST(Lesson3, GcFailsClosedOnCorruptManifest) {
  SimVfs vfs;
  Options o = TestOptions();
  o.gc_after_checkpoint = false;
  auto e = WithCheckpoints(vfs, o, 4);
  auto list = e->checkpoints();
  ASSERT_EQ(list.size(), 4u);
  ASSERT_OK(faultfs::WriteFile(vfs, layout::Manifest("db", list[3].id),
                               "{garbage", true));
  auto files = ListTree(vfs);
  auto gc = e->Gc();
  ASSERT_FALSE(gc.ok());
  EXPECT_NE(gc.status().message().find("manifest-corrupt"), std::string::npos)
      << gc.status().ToString();
  EXPECT_EQ(ListTree(vfs), files);
  EXPECT_EQ(e->checkpoints(), list);
}

// 4. GC keeps every file a retained checkpoint references, inherited ones too.
TEST(Lesson4, GcKeepsInheritedFiles) {
  SimVfs vfs;
  Options o = TestOptions();
  o.max_delta_chain = 100;
  auto e = OpenOrDie(vfs, o);
  for (int j = 0; j < 30; ++j)
    ASSERT_OK(e->Put("base" + std::to_string(j), "x").status());
  ASSERT_OK(e->Checkpoint().status());  // ckpt 1: full, owns every .snap
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(e->Put("base0", std::to_string(i))
                  .status());  // touches one partition only
    auto r = e->Checkpoint();
    ASSERT_OK(r.status());
    if (i >= 1) EXPECT_FALSE(r->gc.kept_shared.empty());
  }
  auto list = e->checkpoints();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_NE(list[0].id, "ckpt-0000000001");
  for (const auto& c : list)
    EXPECT_TRUE(e->Verify(c.id).ok) << e->Verify(c.id).ToJson().dump(1);
  // Files of ckpt-1 still exist although it left the catalog.
  auto snap = vfs.ListDir("db/checkpoints/ckpt-0000000001/operators/kv");
  ASSERT_OK(snap.status());
  EXPECT_FALSE(snap->empty());
  EXPECT_FALSE(vfs.Stat("db/checkpoints/ckpt-0000000001/COMMITTED").ok());
  vfs.Crash();
  auto e2 = OpenOrDie(vfs, o);
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->Get("base0"), "3");
  EXPECT_EQ(e2->Scan().size(), 30u);
}

// A referenced file that went missing (lost in a crash) leaves its directory
// referenced: the startup GC must not remove the directories on its path.
TEST(Lesson4, StartupGcKeepsDirectoriesOfAMissingReferencedFile) {
  SimVfs vfs;
  Options o = TestOptions();
  o.partitions = 1;
  o.max_delta_chain = 2;
  auto e = OpenOrDie(vfs, o);
  ASSERT_OK(e->Put("a", "1").status());
  ASSERT_OK(e->Checkpoint().status());  // ckpt 1: full, owns partition-0.snap
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(e->Put("a", std::to_string(i + 2)).status());
    ASSERT_OK(
        e->Checkpoint()
            .status());  // ckpt 2, 3: deltas on ckpt-1's snap; 4: a new snap
  }
  // Retained: ckpt-3 (needs ckpt-1's snap) and ckpt-4 (self-contained).
  ASSERT_EQ(e->checkpoints().front().id, "ckpt-0000000003");
  e.reset();
  const std::string kv = "db/checkpoints/ckpt-0000000001/operators/kv";
  ASSERT_OK(
      vfs.Unlink(kv + "/partition-0.snap"));  // the inherited file is gone
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, o, &res);
  for (const auto& d : res.deleted)
    EXPECT_EQ(d.find("ckpt-0000000001"), std::string::npos) << d;
  EXPECT_TRUE(vfs.Stat(kv).ok());
  // The retained checkpoints that list the file fail verification, by name.
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.checkpoint_id, "ckpt-0000000004");
  VerifyReport v = e2->Verify("ckpt-0000000003");
  EXPECT_FALSE(v.ok);
  ASSERT_FALSE(v.problems.empty());
  EXPECT_EQ(v.problems.front().code, "state-missing");
}

// 5. Catalog first (durably), then files; leftovers cleaned at the next start.
TEST(Lesson5, CatalogBeforeFilesAndLeftoversCleanedAtStart) {
  SimVfs vfs;
  Options o = TestOptions();
  o.gc_after_checkpoint = false;
  o.incremental = false;  // nothing shared: removed checkpoints vanish entirely
  auto e = WithCheckpoints(vfs, o, 4);
  AddRule(
      vfs,
      R"({"op": "unlink", "path": "db/checkpoints/ckpt-*/**", "action": "crash", "nth": 2})");
  auto gc = e->Gc();
  EXPECT_FALSE(gc.ok());
  e.reset();
  vfs.Restart();
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, o, &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.catalog,
            (std::vector<std::string>{"ckpt-0000000003", "ckpt-0000000004"}));
  EXPECT_FALSE(res.deleted.empty());
  EXPECT_FALSE(vfs.Stat("db/checkpoints/ckpt-0000000001").ok());
  EXPECT_FALSE(vfs.Stat("db/checkpoints/ckpt-0000000002").ok());
}

// 6. A listed state file absent or corrupt is a named, hard error.
TEST(Lesson6, MissingStateFileIsNamedError) {
  SimVfs vfs;
  WithCheckpoints(vfs, TestOptions(), 1);
  std::string victim =
      "db/checkpoints/ckpt-0000000001/operators/kv/partition-1.snap";
  ASSERT_OK(vfs.Unlink(victim));
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", TestOptions(), &res);
  ASSERT_FALSE(e.ok());
  ASSERT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"state-missing"});
  EXPECT_EQ(res.problems[0].path, victim);
}

TEST(Lesson6, CorruptStateFileIsNamedError) {
  SimVfs vfs;
  WithCheckpoints(vfs, TestOptions(), 1);
  std::string victim =
      "db/checkpoints/ckpt-0000000001/operators/kv/partition-0.snap";
  AddRule(
      vfs,
      R"({"op": "any", "path": "db/checkpoints/*/operators/kv/partition-0.snap", "action": "corrupt", "corrupt": {"bitflips": 3}, "persistent": true, "nth": 1})");
  auto data = faultfs::ReadFile(
      vfs, victim);  // the read triggers the persistent damage
  vfs.faults().Clear();
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", TestOptions(), &res);
  ASSERT_FALSE(e.ok());
  ASSERT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"state-corrupt"});
  EXPECT_EQ(res.problems[0].path, victim);
}

// 7. No silent fallback; an explicit policy falls back and says so.
TEST(Lesson7, NoSilentFallback) {
  for (auto policy : {FallbackPolicy::kNone, FallbackPolicy::kOlderVerified}) {
    SimVfs vfs;
    Options o = TestOptions();
    o.fallback = policy;
    StateDump expected;
    {
      auto e = WithCheckpoints(vfs, o, 2);
      expected = e->Dump();
      ASSERT_OK(e->Put("after", "1").status());
      ASSERT_OK(e->Sync());
      expected = e->Dump();
    }
    ASSERT_OK(vfs.Unlink("db/checkpoints/ckpt-0000000002/COMMITTED"));
    RecoveryResult res;
    auto e = Engine::Open(vfs, "db", o, &res);
    if (policy == FallbackPolicy::kNone) {
      ASSERT_FALSE(e.ok());
      EXPECT_EQ(ProblemCodes(res.problems),
                std::vector<std::string>{"marker-missing"});
      EXPECT_FALSE(res.fallback_used);
    } else {
      ASSERT_OK(e.status());
      EXPECT_TRUE(res.fallback_used);
      EXPECT_EQ(res.checkpoint_id, "ckpt-0000000001");
      EXPECT_EQ(res.skipped_checkpoints,
                std::vector<std::string>{"ckpt-0000000002"});
      EXPECT_EQ((*e)->Dump(),
                expected);  // the WAL was kept from the older checkpoint on
      EXPECT_TRUE(res.ToJson()["fallback_used"].get<bool>());
    }
  }
}

// 8. A partial checkpoint directory never becomes a parent; ids never collide.
TEST(Lesson8, PartialDirectoryIsNotParentAndIdSkipsIt) {
  SimVfs vfs;
  Options o = TestOptions();
  o.startup_gc = false;
  auto e = WithCheckpoints(vfs, o, 1);
  ASSERT_OK(vfs.Mkdir("db/checkpoints/ckpt-0000000007"));
  ASSERT_OK(faultfs::WriteFile(vfs, "db/checkpoints/ckpt-0000000007/COMMITTED",
                               "x\n", true));
  ASSERT_OK(e->Put("k0", "new").status());
  auto r = e->Checkpoint();
  ASSERT_OK(r.status());
  EXPECT_EQ(r->info.id, "ckpt-0000000008");
  EXPECT_EQ(r->info.parent, "ckpt-0000000001");
  // GC (after the checkpoint) removed the partial directory.
  EXPECT_FALSE(vfs.Stat("db/checkpoints/ckpt-0000000007").ok());
}

TEST(Lesson8, StartupGcRemovesPartialDirectory) {
  SimVfs vfs;
  WithCheckpoints(vfs, TestOptions(), 1);
  ASSERT_OK(vfs.Mkdir("db/checkpoints/ckpt-0000000002"));
  ASSERT_OK(vfs.Mkdir("db/checkpoints/ckpt-0000000002/operators"));
  ASSERT_OK(vfs.Mkdir("db/checkpoints/ckpt-0000000002/operators/kv"));
  ASSERT_OK(faultfs::WriteFile(
      vfs, "db/checkpoints/ckpt-0000000002/operators/kv/partition-0.snap", "x",
      true));
  ASSERT_OK(faultfs::WriteFile(vfs, "db/checkpoints/ckpt-0000000002/notes.txt",
                               "mine", true));
  RecoveryResult res;
  auto e = OpenOrDie(vfs, TestOptions(), &res);
  ASSERT_TRUE(e);
  EXPECT_EQ(res.checkpoint_id, "ckpt-0000000001");
  EXPECT_FALSE(vfs.Stat("db/checkpoints/ckpt-0000000002/operators").ok());
  // A file the engine did not name is left alone.
  EXPECT_TRUE(vfs.Stat("db/checkpoints/ckpt-0000000002/notes.txt").ok());
  auto r = e->Checkpoint();
  ASSERT_OK(r.status());
  EXPECT_EQ(r->info.id, "ckpt-0000000003");
}

// 9. An fsync that returned EIO is not retried into success.
TEST(Lesson9, WalFsyncFailurePoisonsEngine) {
  SimVfs vfs;
  auto e = OpenOrDie(vfs, TestOptions());
  ASSERT_OK(e->Put("a", "1").status());
  ASSERT_OK(e->Sync());
  AddRule(
      vfs,
      R"({"op": "fdatasync", "path": "db/wal/*", "action": "fsyncgate", "times": 1})");
  ASSERT_OK(e->Put("b", "2").status());
  Status st = e->Sync();
  EXPECT_FALSE(st.ok());
  vfs.faults().Clear();
  // The next fsync would return 0 (fsyncgate) — the engine must not use it.
  EXPECT_FALSE(e->Sync().ok());
  EXPECT_FALSE(e->Put("c", "3").ok());
  EXPECT_FALSE(e->health().ok());
  EXPECT_EQ(e->durable_lsn(), 1u);
  EXPECT_FALSE(e->Checkpoint().ok());
  e.reset();
  vfs.Crash();
  auto e2 = OpenOrDie(vfs, TestOptions());
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->Get("a"), "1");
  EXPECT_EQ(e2->Get("b"), std::nullopt);
}

TEST(Lesson9, CheckpointFsyncFailureIsNotRetried) {
  SimVfs vfs;
  auto e = WithCheckpoints(vfs, TestOptions(), 1);
  AddRule(
      vfs,
      R"({"op": "fsync", "path": "db/checkpoints/ckpt-*/MANIFEST.json", "action": "fsyncgate", "times": 1})");
  EXPECT_FALSE(e->Checkpoint().ok());
  vfs.faults().Clear();
  auto r = e->Checkpoint();
  ASSERT_OK(r.status());
  EXPECT_EQ(r->info.id,
            "ckpt-0000000003");  // a new id, new files; ckpt-2 abandoned
}

}  // namespace
}  // namespace crashlab::engine
