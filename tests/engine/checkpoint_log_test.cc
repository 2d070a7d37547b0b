// The checkpoint log + HEAD (derived from the catalog, cross-checked at
// Open), log compaction, shard-count validation and reshard, and the unsafe
// mode trust-head.
#include "engine/checkpoint_log.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "engine/layout.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

std::vector<std::string> LogIds(const std::vector<LogRecord>& recs) {
  std::vector<std::string> out;
  for (const auto& r : recs) out.push_back(r.info.id);
  return out;
}

TEST(CheckpointLog, CommitAppendsRecordAndHeadNamesNewest) {
  SimVfs vfs;
  auto e = ThreeCheckpoints(vfs, ThreeRetained());
  auto ids = Ids(e->checkpoints());
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(LogIds(e->checkpoint_log()), ids);
  auto scan = ScanCheckpointLog(vfs, "db");
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->status, "ok");
  EXPECT_EQ(LogIds(scan->records), ids);
  EXPECT_EQ(scan->records.back().partitions, 3u);
  EXPECT_EQ(scan->records.back().info, e->checkpoints().back());
  auto head = ReadHead(vfs, "db");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->value_or(""), ids.back());

  // Reopen: the index is rebuilt from the log, HEAD agrees, nothing rewritten.
  StateDump want = e->Dump();
  e.reset();
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, ThreeRetained(), &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.log_status, "ok");
  EXPECT_EQ(res.head_status, "ok");
  EXPECT_FALSE(res.log_rewritten);
  EXPECT_FALSE(res.head_rewritten);
  EXPECT_EQ(res.log_records, 3u);
  EXPECT_EQ(LogIds(e2->checkpoint_log()), ids);
  EXPECT_EQ(e2->Dump(), want);
}

TEST(CheckpointLog, HeadMissingStaleUnknownOrCorruptIsReportedAndRepaired) {
  struct Case {
    const char* content;  // nullptr: delete HEAD
    const char* status;
  };
  for (const Case& c :
       {Case{nullptr, "missing"}, Case{"stale", "stale"},
        Case{"ckpt-0000000099\n", "unknown"}, Case{"garbage\n", "corrupt"}}) {
    SCOPED_TRACE(c.status);
    SimVfs vfs;
    auto e = ThreeCheckpoints(vfs, ThreeRetained());
    auto ids = Ids(e->checkpoints());
    StateDump want = e->Dump();
    e.reset();
    std::string head = layout::Head("db");
    if (!c.content) {
      ASSERT_OK(vfs.Unlink(head));
    } else if (std::string(c.content) == "stale") {
      ASSERT_OK(faultfs::WriteFile(vfs, head, ids.front() + "\n", true));
    } else {
      ASSERT_OK(faultfs::WriteFile(vfs, head, c.content, true));
    }
    RecoveryResult res;
    auto e2 = OpenOrDie(vfs, ThreeRetained(), &res);
    ASSERT_TRUE(e2);
    EXPECT_EQ(res.head_status, c.status) << res.ToText();
    EXPECT_TRUE(res.head_rewritten);
    // The catalog decides: the newest checkpoint is loaded, not HEAD's.
    EXPECT_EQ(res.checkpoint_id, ids.back());
    EXPECT_EQ(e2->Dump(), want);
    auto h = ReadHead(vfs, "db");
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->value_or(""), ids.back());
  }
}

TEST(CheckpointLog, HeadNamingUnverifiableCheckpointFallsBackNewestFirst) {
  SimVfs vfs;
  Options o = ThreeRetained();
  o.fallback = FallbackPolicy::kOlderVerified;
  auto e = ThreeCheckpoints(vfs, o);
  auto ids = Ids(e->checkpoints());
  StateDump want = e->Dump();
  e.reset();
  // The newest checkpoint loses its marker: it fails verification.
  ASSERT_OK(vfs.Unlink(layout::Marker("db", ids.back())));
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, o, &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.head_status, "unverified");
  EXPECT_TRUE(res.fallback_used);
  EXPECT_EQ(res.checkpoint_id, ids[1]);  // the newest that verifies
  EXPECT_EQ(e2->Dump(), want);           // WAL replay from the older one
  auto h = ReadHead(vfs, "db");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->value_or(""), ids[1]);
}

TEST(CheckpointLog, DamagedOrMissingLogIsRebuiltFromTheCatalog) {
  struct Case {
    const char* name;
    std::function<void(SimVfs&, const std::string&)> damage;
    const char* status;
  };
  std::vector<Case> cases{
      {"missing",
       [](SimVfs& v, const std::string& p) { ASSERT_OK(v.Unlink(p)); },
       "missing"},
      {"torn tail",
       [](SimVfs& v, const std::string& p) {
         auto d = faultfs::ReadFile(v, p);
         ASSERT_TRUE(d.ok());
         ASSERT_OK(v.Truncate(p, d->size() - 7));
       },
       "torn-tail"},
      {"corrupt middle",
       [](SimVfs& v, const std::string& p) {
         auto d = faultfs::ReadFile(v, p);
         ASSERT_TRUE(d.ok());
         std::string s = *d;
         s[20] ^= 0x5a;  // inside the first record's payload
         ASSERT_OK(faultfs::WriteFile(v, p, s, true));
       },
       "corrupt"},
      {"behind",
       [](SimVfs& v, const std::string& p) {
         auto scan = ScanCheckpointLog(v, "db");
         ASSERT_TRUE(scan.ok());
         ASSERT_OK(v.Truncate(p, scan->records.back().offset));
       },
       "behind"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    SimVfs vfs;
    auto e = ThreeCheckpoints(vfs, ThreeRetained());
    auto ids = Ids(e->checkpoints());
    StateDump want = e->Dump();
    e.reset();
    c.damage(vfs, layout::CheckpointLog("db"));
    RecoveryResult res;
    auto e2 = OpenOrDie(vfs, ThreeRetained(), &res);
    ASSERT_TRUE(e2);
    EXPECT_EQ(res.log_status, c.status) << res.ToText();
    EXPECT_TRUE(res.log_rewritten);
    EXPECT_EQ(res.checkpoint_id, ids.back());
    EXPECT_EQ(e2->Dump(), want);
    EXPECT_EQ(LogIds(e2->checkpoint_log()), ids);
    auto scan = ScanCheckpointLog(vfs, "db");
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->status, "ok");
    EXPECT_EQ(LogIds(scan->records), ids);
    // A later commit appends to the repaired log.
    ASSERT_TRUE(e2->Checkpoint().ok());
    scan = ScanCheckpointLog(vfs, "db");
    ASSERT_TRUE(scan.ok());
    EXPECT_EQ(scan->status, "ok");
    EXPECT_EQ(scan->records.back().info.id, e2->checkpoints().back().id);
  }
}

TEST(CheckpointLog, FailedAppendKeepsCheckpointAndNextCommitRewrites) {
  SimVfs vfs;
  Options o = ThreeRetained();
  auto e = ThreeCheckpoints(vfs, o);
  AddRule(
      vfs,
      R"({"op": "write", "path": "db/checkpoints/CHECKPOINTS.log", "action": "error", "errno": "EIO", "times": 1})");
  ASSERT_TRUE(e->Put("x", "1").ok());
  auto r = e->Checkpoint();
  ASSERT_TRUE(r.ok()) << r.status().ToString();  // committed: the catalog
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings[0].find("checkpoint log"), std::string::npos);
  vfs.faults().Clear();
  ASSERT_TRUE(e->Put("y", "2").ok());
  auto r2 = e->Checkpoint();
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->warnings.empty());
  auto scan = ScanCheckpointLog(vfs, "db");
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->status, "ok");
  // Both new checkpoints are in the rewritten log, in order.
  ASSERT_GE(scan->records.size(), 2u);
  EXPECT_EQ(scan->records[scan->records.size() - 2].info.id, r->info.id);
  EXPECT_EQ(scan->records.back().info.id, r2->info.id);
}

TEST(CheckpointLog, CompactionPastTheBoundKeepsOnlyCatalogEntries) {
  SimVfs vfs;
  Options o = TestOptions();  // max_retained 2
  o.checkpoint_log_max_bytes = 1500;
  auto e = OpenOrDie(vfs, o);
  uint64_t max_seen = 0;
  for (int c = 0; c < 12; ++c) {
    ASSERT_TRUE(e->Put("k" + std::to_string(c), "v").ok());
    auto r = e->Checkpoint();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->warnings.empty());
    auto d = faultfs::ReadFile(vfs, layout::CheckpointLog("db"));
    ASSERT_TRUE(d.ok());
    max_seen = std::max<uint64_t>(max_seen, d->size());
    auto scan = ScanLogBytes(*d, "log");
    EXPECT_EQ(scan.status, "ok");
    // Every catalog entry is always in the log.
    for (const auto& id : Ids(e->checkpoints())) {
      auto ids = LogIds(scan.records);
      EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
    }
  }
  // Compaction keeps the log near the bound (one record past it at most).
  EXPECT_LT(max_seen, 1500u + 600u);
  auto before = e->checkpoint_log().size();
  auto c = e->CompactCheckpointLog();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->records_before, before);
  EXPECT_EQ(c->records_after, e->checkpoints().size());
  EXPECT_EQ(LogIds(e->checkpoint_log()), Ids(e->checkpoints()));
}

// A power cut before every operation of a compaction, in every mode: the
// log is either the old one or the compacted one, never torn, and recovery
// finds every catalog entry in it.
TEST(CheckpointLog, CompactionSurvivesEveryCrashPoint) {
  SimVfs vfs;
  Options o = TestOptions();
  o.checkpoint_log_max_bytes = 0;  // manual compaction only
  auto e = OpenOrDie(vfs, o);
  for (int c = 0; c < 5; ++c) {
    ASSERT_TRUE(e->Put("k" + std::to_string(c), "v").ok());
    ASSERT_TRUE(e->Checkpoint().ok());
  }
  auto ids = Ids(e->checkpoints());
  StateDump want = e->Dump();
  auto points = CaptureCrashPoints(vfs, [&] {
    auto c = e->CompactCheckpointLog();
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->records_before, 5u);
    EXPECT_EQ(c->records_after, 2u);
  });
  ASSERT_GT(points.size(), 3u);
  size_t states = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& mode : ModesFor(points[i].state, i)) {
      SCOPED_TRACE("crash before op " + std::to_string(i) + " mode " +
                   mode.ToString());
      auto post = AfterCrash(points[i].state, mode);
      auto scan = ScanCheckpointLog(*post, "db");
      ASSERT_TRUE(scan.ok());
      EXPECT_EQ(scan->status, "ok");  // old or new, never torn
      EXPECT_TRUE(scan->records.size() == 5u || scan->records.size() == 2u);
      RecoveryResult res;
      auto e2 = OpenOrDie(*post, o, &res);
      ASSERT_TRUE(e2);
      EXPECT_EQ(res.checkpoint_id, ids.back());
      EXPECT_EQ(e2->Dump(), want);
      ++states;
    }
  }
  EXPECT_GT(states, points.size());
}

TEST(ShardCount, DifferentPartitionCountIsRefusedUnlessResharding) {
  SimVfs vfs;
  Options o = ThreeRetained();  // 3 partitions
  auto e = ThreeCheckpoints(vfs, o);
  StateDump want = e->Dump();
  std::string newest = e->checkpoints().back().id;
  e.reset();
  auto before = faultfs::ImageTree(vfs.Snapshot().durable);
  Options five = o;
  five.partitions = 5;
  RecoveryResult res;
  auto bad = Engine::Open(vfs, "db", five, &res);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("shard-count-mismatch"),
            std::string::npos)
      << bad.status().ToString();
  ASSERT_FALSE(res.problems.empty());
  EXPECT_EQ(res.problems.back().code, "shard-count-mismatch");
  EXPECT_EQ(faultfs::ImageTree(vfs.Snapshot().durable), before)
      << "a refused open changed the directory";

  five.reshard = true;
  auto e2 = OpenOrDie(vfs, five, &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.resharded_from, 3u);
  EXPECT_EQ(res.checkpoint_id, newest);
  EXPECT_EQ(e2->Dump(), want);
  auto r = e2->Checkpoint();  // incremental asked, full written
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->info.kind, CheckpointKind::kFull);
  EXPECT_EQ(r->info.partitions, 5u);
  EXPECT_EQ(e2->checkpoint_log().back().partitions, 5u);
  ASSERT_TRUE(e2->Delete("k0").ok());
  ASSERT_TRUE(e2->Sync().ok());
  want = e2->Dump();
  e2.reset();
  // The new count is now the checkpoint's: a plain open works, the old one
  // is refused.
  five.reshard = false;
  auto e3 = OpenOrDie(vfs, five, &res);
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->Dump(), want);
  e3.reset();
  EXPECT_FALSE(Engine::Open(vfs, "db", o, &res).ok());
}

// trust-head: a HEAD write that failed after the commit leaves HEAD naming
// the previous checkpoint; believing it drops an acknowledged checkpoint
// (and startup GC then deletes its files). The safe engine cross-checks.
TEST(TrustHead, StaleHeadLosesAcknowledgedCheckpointOnlyWhenTrusted) {
  for (bool trust : {false, true}) {
    SCOPED_TRACE(trust ? "trust-head" : "safe");
    SimVfs vfs;
    Options o = ThreeRetained();
    if (trust) o.unsafe.add(UnsafeMode::kTrustHead);
    auto e = ThreeCheckpoints(vfs, o);
    AddRule(
        vfs,
        R"({"op": "rename", "path": "db/checkpoints/HEAD.tmp", "action": "error", "errno": "EIO", "times": 1})");
    ASSERT_TRUE(e->Put("z", "1").ok());
    auto r = e->Checkpoint();
    ASSERT_TRUE(r.ok());  // acknowledged, with a warning
    ASSERT_FALSE(r->warnings.empty());
    vfs.faults().Clear();
    std::string acked = r->info.id;
    e.reset();
    auto post = CrashCopy(vfs);
    RecoveryResult res;
    auto e2 = OpenOrDie(*post, o, &res);
    ASSERT_TRUE(e2);
    auto ids = Ids(e2->checkpoints());
    bool kept = std::find(ids.begin(), ids.end(), acked) != ids.end();
    EXPECT_EQ(kept, !trust) << res.ToText();
    if (!trust) {
      EXPECT_EQ(res.head_status, "stale");
      EXPECT_EQ(res.checkpoint_id, acked);
    }
  }
}

// Property: the scanner returns exactly the whole records of any prefix of
// a valid log, and after any single byte change never more records than
// were written, each one identical to the one written.
RC_GTEST_PROP(CheckpointLogProp, ScanReturnsIntactPrefix, ()) {
  const int n = *rc::gen::inRange(0, 8);
  std::string data;
  std::vector<LogRecord> written;
  std::vector<uint64_t> ends;
  for (int i = 0; i < n; ++i) {
    LogRecord r;
    r.info.id = layout::FormatId(static_cast<uint64_t>(i) + 1);
    r.info.epoch = static_cast<uint64_t>(i) + 1;
    r.info.wal_position = *rc::gen::inRange<uint64_t>(0, 1000);
    r.info.manifest_sha256 = std::string(64, 'a' + static_cast<char>(i));
    r.partitions = *rc::gen::inRange<uint32_t>(1, 16);
    r.info.partitions = r.partitions;
    r.offset = data.size();
    data += EncodeLogRecord(r.info, r.partitions);
    written.push_back(r);
    ends.push_back(data.size());
  }
  const size_t cut = *rc::gen::inRange<size_t>(0, data.size() + 1);
  LogScan s = ScanLogBytes(std::string_view(data).substr(0, cut), "log");
  size_t whole = 0;
  while (whole < ends.size() && ends[whole] <= cut) ++whole;
  RC_ASSERT(s.records.size() == whole);
  for (size_t i = 0; i < whole; ++i) RC_ASSERT(s.records[i] == written[i]);
  RC_ASSERT(s.valid_bytes == (whole ? ends[whole - 1] : 0));
  RC_ASSERT((s.status == "ok") == (cut == s.valid_bytes));
  if (!data.empty()) {
    std::string bad = data;
    size_t at = *rc::gen::inRange<size_t>(0, bad.size());
    bad[at] = static_cast<char>(bad[at] ^ *rc::gen::inRange(1, 256));
    LogScan b = ScanLogBytes(bad, "log");
    RC_ASSERT(b.records.size() <= written.size());
    RC_ASSERT(b.status != "ok");
    for (size_t i = 0; i < b.records.size(); ++i)
      RC_ASSERT(b.records[i] == written[i]);
  }
}

}  // namespace
}  // namespace crashlab::engine
