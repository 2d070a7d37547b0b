// Each invariant checker on hand-built passing and failing crash cases.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "faultfs/sim_vfs.h"
#include "harness/invariants/checkers.h"

namespace crashlab::harness {
namespace {

IssuedOp Put(Lsn lsn, std::string k, std::string v) {
  return IssuedOp{.lsn = lsn,
                  .type = OpType::kPut,
                  .key = std::move(k),
                  .value = std::move(v)};
}

// Three puts (a=1, b=2, a=3); the first two acknowledged.
struct Fixture {
  Session session;
  faultfs::SimState pre;
  faultfs::Image post;
  RecoveryOutcome rec;
  OracleView view;

  Fixture() {
    session.open_ok = true;
    session.ops = {Put(1, "a", "1"), Put(2, "b", "2"), Put(3, "a", "3")};
    engine::StateDump d;
    uint64_t h = HashDump(d);
    session.prefix_hash = {h};
    for (const auto& op : session.ops) {
      ApplyOp(op, &d, &h);
      session.prefix_hash.push_back(h);
    }
    view.session = &session;
    view.issued = 3;
    view.acked = 2;
    rec.ok = true;
    rec.result.ok = true;
    rec.dump.kv = {{"a", "1"}, {"b", "2"}};
  }
  CrashCase Case() {
    CrashCase c;
    c.crash_point = 10;
    c.view = view;
    c.pre = &pre;
    c.post = &post;
    c.recovery = &rec;
    return c;
  }
};

TEST(AcknowledgedDurable, HoldsForAnyPrefixWithTheAcknowledgedOps) {
  Fixture f;
  EXPECT_FALSE(CheckAcknowledgedDurable(f.Case()).violated);
  f.rec.dump.kv = {{"a", "3"},
                   {"b", "2"}};  // the unacknowledged op made it too
  EXPECT_FALSE(CheckAcknowledgedDurable(f.Case()).violated);
}

TEST(AcknowledgedDurable, LostAcknowledgedPutIsViolated) {
  Fixture f;
  f.rec.dump.kv = {{"a", "1"}};
  Finding r = CheckAcknowledgedDurable(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("key b"), std::string::npos) << r.message;
}

TEST(AcknowledgedDurable, FailedRecoveryWithoutDamageIsViolated) {
  Fixture f;
  f.rec.ok = false;
  f.rec.status = "wal-gap";
  EXPECT_TRUE(CheckAcknowledgedDurable(f.Case()).violated);
  CrashCase c = f.Case();
  c.damage = "lose on any checkpoints/CATALOG.json at op 3";
  EXPECT_FALSE(
      CheckAcknowledgedDurable(c).violated);  // nothing promised after damage
}

TEST(AcknowledgedDurable, LostAcknowledgedCheckpointIsViolated) {
  Fixture f;
  f.view.listed = f.view.listed_next = {"ckpt-0000000001"};
  f.view.acked_checkpoints = {"ckpt-0000000001"};
  EXPECT_TRUE(CheckAcknowledgedDurable(f.Case()).violated);
  f.rec.catalog = {"ckpt-0000000001"};
  EXPECT_FALSE(CheckAcknowledgedDurable(f.Case()).violated);
  f.rec.catalog.clear();
  f.view.listed_next.clear();  // a GC in progress removes it: allowed
  EXPECT_FALSE(CheckAcknowledgedDurable(f.Case()).violated);
}

// A crash inside a GC call whose catalog rename is issued but whose
// directory fsync then fails: the caller still lists ckpt-1 afterwards (the
// call failed and rolled back), but the crash may persist the rename. Only a
// checkpoint the visible catalog at the crash still lists is owed.
TEST(AcknowledgedDurable, CheckpointBeingRemovedAtTheCrashMayBeGone) {
  faultfs::SimVfs vfs;
  {
    engine::Options o = engine::Options::Deterministic();
    o.max_retained = 2;
    auto e = engine::Engine::Open(vfs, "", o);
    ASSERT_TRUE(e.ok());
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE((*e)->Checkpoint().ok());  // GC keeps 2 and 3
  }
  Fixture f;
  f.pre = vfs.Snapshot();
  f.view.listed = f.view.listed_next = {"ckpt-0000000001", "ckpt-0000000002",
                                        "ckpt-0000000003"};
  f.view.acked_checkpoints = {f.view.listed.begin(), f.view.listed.end()};
  f.rec.catalog = {"ckpt-0000000002", "ckpt-0000000003"};
  EXPECT_FALSE(CheckAcknowledgedDurable(f.Case()).violated);
  f.rec.catalog = {"ckpt-0000000003"};  // ckpt-2 was still listed on disk
  Finding r = CheckAcknowledgedDurable(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("ckpt-0000000002"), std::string::npos) << r.message;
}

TEST(StateMatchesOracle, PrefixContainingAcknowledgedOpsHolds) {
  Fixture f;
  EXPECT_FALSE(CheckStateMatchesOracle(f.Case()).violated);
  f.rec.dump.kv = {{"a", "3"}, {"b", "2"}};
  EXPECT_FALSE(CheckStateMatchesOracle(f.Case()).violated);
}

TEST(StateMatchesOracle, GarbageOrShortPrefixIsViolated) {
  Fixture f;
  f.rec.dump.kv = {{"a", "1"}, {"b", "2"}, {"zz", "garbage"}};
  EXPECT_TRUE(CheckStateMatchesOracle(f.Case()).violated);
  f.rec.dump.kv = {{"a", "1"}};  // prefix 1 < 2 acknowledged
  Finding r = CheckStateMatchesOracle(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("after 1 operations"), std::string::npos)
      << r.message;
  f.rec.dump.kv = {{"b", "2"}, {"a", "3"}, {"c", "x"}};
  EXPECT_TRUE(CheckStateMatchesOracle(f.Case()).violated);
}

TEST(NoPhantomCheckpoint, ListedAfterFailedCommitMustSurvive) {
  Fixture f;
  f.view.listed = f.view.listed_next = {"ckpt-0000000001", "ckpt-0000000002"};
  f.view.acked_checkpoints = {"ckpt-0000000001"};
  f.rec.catalog = {"ckpt-0000000001"};
  Finding r = CheckNoPhantomCheckpoint(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("ckpt-0000000002"), std::string::npos);
  f.rec.catalog = {"ckpt-0000000001", "ckpt-0000000002"};
  EXPECT_FALSE(CheckNoPhantomCheckpoint(f.Case()).violated);
}

TEST(NoPhantomCheckpoint, RolledBackListHolds) {
  Fixture f;
  f.view.listed = f.view.listed_next = {"ckpt-0000000001"};
  f.view.acked_checkpoints = {"ckpt-0000000001"};
  f.rec.catalog = {"ckpt-0000000001"};
  EXPECT_FALSE(CheckNoPhantomCheckpoint(f.Case()).violated);
}

// A real engine directory with one committed checkpoint.
faultfs::SimState EngineWithCheckpoint(std::string* id) {
  faultfs::SimVfs vfs;
  auto eng = engine::Engine::Open(vfs, "", engine::Options::Deterministic());
  EXPECT_TRUE(eng.ok());
  EXPECT_TRUE((*eng)->Put("a", "1").ok());
  auto c = (*eng)->Checkpoint();
  EXPECT_TRUE(c.ok());
  *id = c->info.id;
  return vfs.Snapshot();
}

TEST(NoOrphanDeletion, RecoveryDeletingACataloguedCheckpointsFileIsViolated) {
  Fixture f;
  std::string id;
  f.pre = EngineWithCheckpoint(&id);
  f.post = f.pre.durable;
  f.rec.deleted = {"checkpoints/" + id + "/MANIFEST.json"};
  Finding r = CheckNoOrphanDeletion(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find(id), std::string::npos) << r.message;
  f.rec.deleted = {"checkpoints/ckpt-0000000099/MANIFEST.json",
                   "checkpoints/CATALOG.json.tmp"};
  EXPECT_FALSE(CheckNoOrphanDeletion(f.Case()).violated);
}

TEST(NoOrphanDeletion, WorkloadDeletionBeforeTheCrashIsViolated) {
  Fixture f;
  CrashCase c = f.Case();
  EXPECT_FALSE(CheckNoOrphanDeletion(c).violated);
  c.bad_deletions.push_back(
      BadDeletion{.op = 7, .path = "checkpoints/x/a.snap", .needed_by = {"y"}});
  EXPECT_TRUE(CheckNoOrphanDeletion(c).violated);
}

TEST(MissingStateDetected, LostCatalogMustBeRefused) {
  Fixture f;
  f.rec.catalog_present = false;
  f.rec.committed_dirs = {"ckpt-0000000001"};
  EXPECT_TRUE(CheckMissingStateDetected(f.Case()).violated);
  f.rec.ok = false;  // refused: held
  EXPECT_FALSE(CheckMissingStateDetected(f.Case()).violated);
}

TEST(MissingStateDetected, BrokenNewestCheckpointMustNotBeLoaded) {
  Fixture f;
  f.rec.catalog_present = f.rec.catalog_ok = true;
  f.rec.newest_id = "ckpt-0000000002";
  f.rec.newest_problems = {
      engine::Problem{.code = "state-missing", .path = "p"}};
  f.rec.result.checkpoint_id = "ckpt-0000000002";
  EXPECT_TRUE(CheckMissingStateDetected(f.Case()).violated);
  f.rec.result.checkpoint_id = "ckpt-0000000001";  // silent fallback
  EXPECT_TRUE(CheckMissingStateDetected(f.Case()).violated);
  f.rec.result.fallback_used = true;  // explicit fallback
  EXPECT_FALSE(CheckMissingStateDetected(f.Case()).violated);
}

TEST(MissingStateDetected, SilentWrongStateAfterDamageIsViolated) {
  Fixture f;
  f.rec.catalog_present = f.rec.catalog_ok = true;
  CrashCase c = f.Case();
  c.damage = "corrupt on read during recovery";
  EXPECT_FALSE(CheckMissingStateDetected(c).violated);  // a prefix
  f.rec.dump.kv = {{"a", "\x01garbage"}};
  EXPECT_TRUE(CheckMissingStateDetected(c).violated);
  f.rec.result.problems = {engine::Problem{.code = "state-corrupt"}};
  EXPECT_FALSE(CheckMissingStateDetected(c).violated);  // it said so
}

// Damage before a reopen can take away what that reopen served as the base
// of the next session: the prefixes of earlier sessions are allowed, an
// invented state is not.
TEST(MissingStateDetected, DamageMayRevertToAnEarlierSessionsPrefix) {
  Fixture f;
  Session second;
  second.open_ok = true;
  second.base.kv = {{"a", "3"}, {"b", "2"}};  // the first session's three puts
  second.ops = {Put(4, "c", "4")};
  second.IndexPrefixes();
  f.session.IndexPrefixes();
  f.view.session = &second;
  f.view.issued = 1;
  f.view.acked = 1;
  f.view.earlier = {&f.session};
  f.rec.catalog_present = f.rec.catalog_ok = true;
  f.rec.dump.kv = {
      {"a", "1"}};  // one put of the first session survived the torn write
  CrashCase c = f.Case();
  c.damage = "torn on write wal/wal-00000000000000000001.log at op 20";
  EXPECT_FALSE(CheckMissingStateDetected(c).violated);
  f.rec.dump.kv = {
      {"a", "3"}, {"b", "2"}, {"c", "4"}};  // this session's prefix
  EXPECT_FALSE(CheckMissingStateDetected(c).violated);
  f.rec.dump.kv = {{"b", "2"}};  // no session ever held only b
  EXPECT_TRUE(CheckMissingStateDetected(c).violated);
  f.view.earlier.clear();
  f.rec.dump.kv = {{"a", "1"}};
  c = f.Case();
  c.damage = "torn on write wal/wal-00000000000000000001.log at op 20";
  EXPECT_TRUE(CheckMissingStateDetected(c).violated)
      << "without the earlier session";
}

TEST(RecoveryIdempotent, DifferentSecondRecoveryIsViolated) {
  Fixture f;
  EXPECT_FALSE(CheckRecoveryIdempotent(f.Case()).violated);
  f.rec.idempotence_failure = "second recovery gave failed";
  EXPECT_TRUE(CheckRecoveryIdempotent(f.Case()).violated);
}

TEST(ErrorsNotCrashes, ExceptionsAndUnnamedFailuresAreViolated) {
  Fixture f;
  EXPECT_FALSE(CheckErrorsNotCrashes(f.Case()).violated);
  f.rec.threw = true;
  EXPECT_TRUE(CheckErrorsNotCrashes(f.Case()).violated);
  f.rec.threw = false;
  f.rec.ok = f.rec.result.ok = false;
  EXPECT_TRUE(CheckErrorsNotCrashes(f.Case()).violated);  // no problem named
  f.rec.result.problems = {engine::Problem{.code = "catalog-missing"}};
  f.rec.result.error = "catalog-missing: ...";
  EXPECT_FALSE(CheckErrorsNotCrashes(f.Case()).violated);
  CrashCase c = f.Case();
  c.workload_exception = std::make_pair(uint64_t{4}, std::string("boom"));
  EXPECT_TRUE(CheckErrorsNotCrashes(c).violated);
}

}  // namespace
}  // namespace crashlab::harness
