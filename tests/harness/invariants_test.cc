// Each invariant checker on hand-built passing and failing crash cases.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "faultfs/sim_vfs.h"
#include "harness/invariants/checkers.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/workload/workload_run.h"
#include "harness/workload/written_files.h"

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
  WorkloadRun run;  // the harness's own view: states, what was written

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
    c.run = &run;
    return c;
  }
};

// A real engine directory on a SimVfs: two checkpoints of a few puts.
void TwoCheckpoints(faultfs::SimVfs& vfs) {
  engine::Options o = engine::Options::Deterministic();
  o.incremental = false;
  auto e = engine::Engine::Open(vfs, "", o);
  EXPECT_TRUE(e.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE((*e)->Put("k" + std::to_string(i), "v").ok());
    EXPECT_TRUE((*e)->Checkpoint().ok());
  }
}

// Records every tracked file of `image` as written at op 0.
void RecordAll(const faultfs::Image& image, WrittenFiles* w) {
  for (const auto& [path, entry] : faultfs::ImageTree(image)) {
    if (entry.type == faultfs::FileType::kRegular &&
        WrittenFiles::Tracked(path))
      w->Add(path, 0, entry.data);
  }
}

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
  f.view.acked_at = {{"ckpt-0000000001", 0}};
  EXPECT_TRUE(CheckAcknowledgedDurable(f.Case()).violated);
  f.rec.catalog = {"ckpt-0000000001"};
  EXPECT_FALSE(CheckAcknowledgedDurable(f.Case()).violated);
  // The engine's own list no longer showing it excuses nothing: only the
  // catalog file the harness reads can (below).
  f.rec.catalog.clear();
  f.view.listed = f.view.listed_next = {};
  Finding r = CheckAcknowledgedDurable(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("did not list it"), std::string::npos) << r.message;
}

// GC removes ckpt-1 (max_retained 2): the catalog file listed it when it was
// acknowledged and does not at the crash, so it may be gone. ckpt-2 is still
// in the catalog file at the crash: it is owed, whatever the caller's list
// said (a crash inside a GC call whose directory fsync then fails may persist
// a rename that the call rolled back: only the file decides).
TEST(AcknowledgedDurable, CheckpointRemovedFromTheCatalogFileMayBeGone) {
  faultfs::SimVfs vfs;
  Fixture f;
  {
    engine::Options o = engine::Options::Deterministic();
    o.max_retained = 2;
    auto e = engine::Engine::Open(vfs, "", o);
    ASSERT_TRUE(e.ok());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*e)->Checkpoint().ok());  // GC keeps 2 and 3
      f.run.states.push_back(vfs.Snapshot());
    }
  }
  f.pre = vfs.Snapshot();
  f.view.acked_at = {
      {"ckpt-0000000001", 0}, {"ckpt-0000000002", 1}, {"ckpt-0000000003", 2}};
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
  faultfs::SimVfs vfs;
  TwoCheckpoints(vfs);
  Fixture f;
  ASSERT_TRUE(vfs.Unlink("checkpoints/CATALOG.json").ok());
  f.post = vfs.Snapshot().visible;
  EXPECT_TRUE(CheckMissingStateDetected(f.Case()).violated);
  f.rec.ok = false;  // refused: held
  EXPECT_FALSE(CheckMissingStateDetected(f.Case()).violated);
}

// The harness decides "the newest checkpoint fails verification" from what
// it saw written, not from the engine's verifier (which recovery shares): a
// COMMITTED marker that differs from what was written fails, whatever the
// engine's Inspect said (rec.newest_problems stays empty: the engine found
// nothing).
TEST(MissingStateDetected, NewestCheckpointFailsInTheHarnessViewNotTheEngines) {
  faultfs::SimVfs vfs;
  TwoCheckpoints(vfs);
  Fixture f;
  RecordAll(vfs.Snapshot().visible, &f.run.written);
  f.post = vfs.Snapshot().visible;
  f.rec.result.checkpoint_id = "ckpt-0000000002";
  EXPECT_FALSE(CheckMissingStateDetected(f.Case()).violated);  // as written

  ASSERT_TRUE(faultfs::WriteFile(vfs, "checkpoints/ckpt-0000000002/COMMITTED",
                                 "0000\n", true)
                  .ok());
  f.post = vfs.Snapshot().visible;
  Finding r = CheckMissingStateDetected(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("COMMITTED differs from what was written"),
            std::string::npos)
      << r.message;
  f.rec.result.checkpoint_id = "ckpt-0000000001";  // silent fallback
  EXPECT_TRUE(CheckMissingStateDetected(f.Case()).violated);
  f.rec.result.fallback_used = true;  // explicit fallback
  EXPECT_FALSE(CheckMissingStateDetected(f.Case()).violated);

  // A state file the manifest lists, lost.
  f.rec.result.fallback_used = false;
  f.rec.result.checkpoint_id = "ckpt-0000000002";
  ASSERT_TRUE(
      faultfs::WriteFile(
          vfs, "checkpoints/ckpt-0000000002/COMMITTED",
          *f.run.written.LatestAt("checkpoints/ckpt-0000000002/COMMITTED", 0),
          true)
          .ok());
  f.post = vfs.Snapshot().visible;
  EXPECT_FALSE(CheckMissingStateDetected(f.Case()).violated);
  auto files = ReadManifestFiles(
      *f.run.written.LatestAt("checkpoints/ckpt-0000000002/MANIFEST.json", 0));
  ASSERT_TRUE(files && !files->empty());
  ASSERT_TRUE(vfs.Unlink(files->front()).ok());
  f.post = vfs.Snapshot().visible;
  r = CheckMissingStateDetected(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find(files->front() + " is missing"), std::string::npos)
      << r.message;
}

// A catalog whose bytes the engine never wrote (a flipped byte that still
// parses, for the engine or anyone) is unreadable in the harness's view.
TEST(MissingStateDetected, CatalogTheEngineNeverWroteIsUnreadable) {
  faultfs::SimVfs vfs;
  TwoCheckpoints(vfs);
  Fixture f;
  RecordAll(vfs.Snapshot().visible, &f.run.written);
  auto text = faultfs::ReadFile(vfs, "checkpoints/CATALOG.json");
  ASSERT_TRUE(text.ok());
  ASSERT_TRUE(
      faultfs::WriteFile(vfs, "checkpoints/CATALOG.json", *text + " ", true)
          .ok());
  f.post = vfs.Snapshot().visible;
  f.rec.result.checkpoint_id = "ckpt-0000000002";
  Finding r = CheckMissingStateDetected(f.Case());
  EXPECT_TRUE(r.violated);
  EXPECT_NE(r.message.find("never wrote"), std::string::npos) << r.message;
  EXPECT_TRUE(ReadCatalogIds(*text + " ").has_value());  // it still parses
}

TEST(MissingStateDetected, SilentWrongStateAfterDamageIsViolated) {
  Fixture f;
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

// Acknowledgements come from API return values: with frozen-durable-lsn
// (durable_lsn() never advances) the Sync() that returned ok still
// acknowledges the six puts before it; the two after it are not.
TEST(Oracle, AcknowledgementsComeFromSyncReturningOk) {
  ParseOutcome p = ParseScenario(R"({"name": "acks",
    "engine": {"wal_group_size": 4, "unsafe": ["frozen-durable-lsn"]},
    "workload": [{"op": "put", "count": 6}, {"op": "sync"},
                 {"op": "put", "count": 2}], "expect": "pass"})",
                                 "acks.json");
  ASSERT_TRUE(p.ok());
  WorkloadRun run = RunWorkload(p.scenario, 1);
  ASSERT_EQ(run.oracle.sessions().size(), 1u);
  const Session& ses = run.oracle.sessions()[0];
  ASSERT_EQ(ses.acks.size(), 1u);
  EXPECT_EQ(ses.acks[0].durable_lsn, 6u);
  OracleView v = run.oracle.ViewAt(run.op_count() - 1);
  EXPECT_EQ(v.issued, 8u);
  EXPECT_EQ(v.acked, 6u);
}

// The base of a session after a reopen is checked against the session
// before: an Open that serves less than was acknowledged does not become
// the new session's truth.
TEST(Oracle, ReopenBaseIsCheckedNotTakenFromDump) {
  ParseOutcome p = ParseScenario(R"({"name": "base",
    "engine": {"wal_group_size": 4},
    "workload": [{"op": "put", "count": 3}, {"op": "sync"},
                 {"op": "recover"}, {"op": "put", "count": 1}],
    "expect": "pass"})",
                                 "base.json");
  ASSERT_TRUE(p.ok());
  WorkloadRun run = RunWorkload(p.scenario, 1);
  ASSERT_EQ(run.oracle.sessions().size(), 2u);
  const Session& second = run.oracle.sessions()[1];
  EXPECT_TRUE(second.base_note.empty()) << second.base_note;
  EXPECT_EQ(second.base.kv.size(), 3u);
  // frozen-durable-lsn: Sync() returned ok for six puts, but only the first
  // WAL group of four was fdatasync'd; a power cut and a reopen serve four.
  // The second session's model starts from the six the caller was owed.
  ParseOutcome q = ParseScenario(R"({"name": "base-lost",
    "engine": {"wal_group_size": 4, "unsafe": ["frozen-durable-lsn"]},
    "workload": [{"op": "put", "count": 6}, {"op": "sync"},
                 {"op": "crash", "mode": "drop"}, {"op": "recover"},
                 {"op": "put", "count": 1}], "expect": "pass"})",
                                 "base-lost.json");
  ASSERT_TRUE(q.ok());
  WorkloadRun lost = RunWorkload(q.scenario, 1);
  ASSERT_EQ(lost.oracle.sessions().size(), 2u);
  const Session& s2 = lost.oracle.sessions()[1];
  ASSERT_TRUE(s2.open_ok);
  EXPECT_EQ(s2.base.kv.size(), 6u) << "the owed state, not Dump()";
  EXPECT_NE(s2.base_note.find("matches no prefix"), std::string::npos)
      << s2.base_note;
}

}  // namespace
}  // namespace crashlab::harness
