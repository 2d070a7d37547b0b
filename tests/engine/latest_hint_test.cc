// The LATEST hint (laminar's object-store layout): written durably after
// every commit, read at Open and checked against the checkpoint chosen from
// the catalog (never believed), shown by Inspect; and the unsafe mode
// trust-latest, which believes it.
#include "engine/latest_hint.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/catalog.h"
#include "engine/inspect.h"
#include "engine/layout.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::OpKind;
using faultfs::SimVfs;

// The warnings that start with `prefix`.
size_t CountWarnings(const RecoveryResult& res, const std::string& prefix) {
  return std::count_if(
      res.warnings.begin(), res.warnings.end(),
      [&](const std::string& w) { return w.rfind(prefix, 0) == 0; });
}

// The first trace index >= `from` of `op` on `path`, or -1.
long Find(const std::vector<faultfs::TraceEntry>& trace, size_t from, OpKind op,
          const std::string& path) {
  for (size_t i = from; i < trace.size(); ++i) {
    if (trace[i].op == op && trace[i].path == path) return static_cast<long>(i);
  }
  return -1;
}

TEST(LatestHint, WrittenDurablyTmpFsyncRenameDirFsync) {
  SimVfs vfs;
  auto e = OpenOrDie(vfs, TestOptions());
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->Put("a", "1").ok());
  const size_t before = vfs.trace().size();
  auto r = e->Checkpoint();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->warnings.empty());
  auto trace = vfs.trace();
  const std::string tmp = layout::LatestTmp("db");
  const std::string latest = layout::Latest("db");
  const std::string cdir = layout::CheckpointsDir("db");
  // After the commit point (the catalog rename) and HEAD's replace.
  long catalog = Find(trace, before, OpKind::kRename, layout::CatalogTmp("db"));
  long head = Find(trace, before, OpKind::kRename, layout::HeadTmp("db"));
  long write = Find(trace, before, OpKind::kWrite, tmp);
  long fsync = Find(trace, before, OpKind::kFsync, tmp);
  long rename = Find(trace, before, OpKind::kRename, tmp);
  ASSERT_GE(catalog, 0);
  ASSERT_GE(head, 0);
  ASSERT_GE(write, 0);
  ASSERT_GE(fsync, 0);
  ASSERT_GE(rename, 0);
  EXPECT_EQ(trace[rename].path2, latest);
  long dirsync = Find(trace, rename, OpKind::kFsyncDir, cdir);
  ASSERT_GE(dirsync, 0);
  EXPECT_LT(catalog, head);
  EXPECT_LT(head, write);
  EXPECT_LT(write, fsync);
  EXPECT_LT(fsync, rename);
  EXPECT_LT(rename, dirsync);
  // No other operation on LATEST between the rename and its directory fsync.
  for (long i = rename + 1; i < dirsync; ++i) {
    EXPECT_NE(trace[i].path, latest);
    EXPECT_NE(trace[i].path, tmp);
  }
  // So it survives a power cut that drops everything not made durable.
  auto post = CrashCopy(vfs);
  auto hint = ReadLatest(*post, "db");
  ASSERT_TRUE(hint.ok()) << hint.status().ToString();
  EXPECT_TRUE(hint->present);
  ASSERT_TRUE(hint->valid);
  EXPECT_EQ(hint->id, r->info.id);
  RecoveryResult res;
  auto e2 = OpenOrDie(*post, TestOptions(), &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.latest_status, "ok") << res.ToText();
  EXPECT_EQ(res.latest_id, r->info.id);
  EXPECT_EQ(CountWarnings(res, "latest-hint-"), 0u);
}

TEST(LatestHint, FailedWriteIsAWarningAndTheCheckpointStands) {
  SimVfs vfs;
  auto e = OpenOrDie(vfs, TestOptions());
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->Put("a", "1").ok());
  AddRule(
      vfs,
      R"({"op": "fsync", "path": "db/checkpoints/LATEST.tmp", "action": "error", "errno": "EIO", "times": 1})");
  auto r = e->Checkpoint();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("LATEST hint"), std::string::npos);
  EXPECT_NE(r->warnings[0].find("LATEST.tmp"), std::string::npos);
  EXPECT_EQ(Ids(e->checkpoints()), std::vector<std::string>{r->info.id});
  // Nothing failed is retried into success: LATEST was not replaced.
  auto hint = ReadLatest(vfs, "db");
  ASSERT_TRUE(hint.ok());
  EXPECT_FALSE(hint->present);
}

// Every way the hint can disagree with the catalog: reported, named,
// ignored; the catalog's newest verified checkpoint is loaded.
TEST(LatestHint, StaleGarbageUnknownOrMissingIsReportedAndIgnored) {
  struct Case {
    const char* content;  // nullptr: delete LATEST; "stale": the oldest id
    const char* status;
  };
  for (const Case& c :
       {Case{nullptr, "missing"}, Case{"stale", "stale"},
        Case{"ckpt-0000000099\n", "unknown"}, Case{"garbage\n", "invalid"},
        Case{"", "invalid"}, Case{"ckpt-1\n", "invalid"},
        Case{"ckpt-0000000002\nckpt-0000000003\n", "invalid"},
        Case{"\xff\x01ckpt", "invalid"}}) {
    SCOPED_TRACE(std::string(c.status) + " " +
                 (c.content ? std::to_string(std::string(c.content).size())
                            : std::string("deleted")));
    SimVfs vfs;
    auto e = ThreeCheckpoints(vfs, ThreeRetained());
    ASSERT_TRUE(e);
    auto ids = Ids(e->checkpoints());
    StateDump want = e->Dump();
    e.reset();
    std::string latest = layout::Latest("db");
    if (!c.content) {
      ASSERT_OK(vfs.Unlink(latest));
    } else if (std::string(c.content) == "stale") {
      ASSERT_OK(faultfs::WriteFile(vfs, latest, ids.front() + "\n", true));
    } else {
      ASSERT_OK(faultfs::WriteFile(vfs, latest, c.content, true));
    }
    RecoveryResult res;
    auto e2 = OpenOrDie(vfs, ThreeRetained(), &res);
    ASSERT_TRUE(e2);
    EXPECT_EQ(res.latest_status, c.status) << res.ToText();
    EXPECT_EQ(res.checkpoint_id, ids.back());
    EXPECT_EQ(e2->Dump(), want);
    EXPECT_EQ(Ids(e2->checkpoints()), ids);
    std::string s = c.status;
    if (s == "missing") {
      EXPECT_EQ(CountWarnings(res, "latest-hint-"), 0u) << res.ToText();
    } else {
      EXPECT_EQ(CountWarnings(res, "latest-hint-" + s + ": "), 1u)
          << res.ToText();
    }
    if (s == "stale") {
      EXPECT_EQ(res.latest_id, ids.front());
      EXPECT_NE(res.ToText().find("LATEST: stale (" + ids.front() + ")"),
                std::string::npos)
          << res.ToText();
    }
    EXPECT_EQ(res.ToJson()["latest_status"], s);
    // Open never rewrites the hint; the next checkpoint does.
    ASSERT_TRUE(e2->Put("more", "1").ok());
    auto r = e2->Checkpoint();
    ASSERT_TRUE(r.ok());
    auto hint = ReadLatest(vfs, "db");
    ASSERT_TRUE(hint.ok());
    ASSERT_TRUE(hint->valid);
    EXPECT_EQ(hint->id, r->info.id);
  }
}

TEST(LatestHint, HintNamingAnUnverifiableCheckpointIsIgnored) {
  SimVfs vfs;
  Options o = ThreeRetained();
  o.fallback = FallbackPolicy::kOlderVerified;
  auto e = ThreeCheckpoints(vfs, o);
  ASSERT_TRUE(e);
  auto ids = Ids(e->checkpoints());
  StateDump want = e->Dump();
  e.reset();
  ASSERT_OK(vfs.Unlink(layout::Marker("db", ids.back())));
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, o, &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.checkpoint_id, ids[1]);
  EXPECT_EQ(res.latest_status, "unverified") << res.ToText();
  EXPECT_EQ(res.latest_id, ids.back());
  EXPECT_EQ(CountWarnings(res, "latest-hint-unverified: "), 1u);
  EXPECT_EQ(e2->Dump(), want);
}

TEST(LatestHint, UnreadableHintIsAWarningNotAFailure) {
  SimVfs vfs;
  auto e = ThreeCheckpoints(vfs, ThreeRetained());
  ASSERT_TRUE(e);
  auto ids = Ids(e->checkpoints());
  e.reset();
  AddRule(
      vfs,
      R"({"op": "read", "path": "db/checkpoints/LATEST", "action": "error", "errno": "EIO"})");
  RecoveryResult res;
  auto e2 = OpenOrDie(vfs, ThreeRetained(), &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.latest_status, "unreadable");
  EXPECT_EQ(res.checkpoint_id, ids.back());
  ASSERT_EQ(CountWarnings(res, "latest-hint-unreadable: "), 1u) << res.ToText();
  auto w = std::find_if(res.warnings.begin(), res.warnings.end(),
                        [](const std::string& s) {
                          return s.rfind("latest-hint-unreadable", 0) == 0;
                        });
  EXPECT_NE(w->find("LATEST"), std::string::npos) << *w;
}

TEST(LatestHint, InspectComparesTheHintWithTheNewestVerified) {
  SimVfs vfs;
  auto e = ThreeCheckpoints(vfs, ThreeRetained());
  ASSERT_TRUE(e);
  auto ids = Ids(e->checkpoints());
  e.reset();
  InspectReport ok = Inspect(vfs, "db", ThreeRetained());
  EXPECT_EQ(ok.latest_hint, ids.back());
  EXPECT_EQ(ok.latest_status, "ok");
  ASSERT_OK(faultfs::WriteFile(vfs, layout::Latest("db"), ids[0] + "\n", true));
  InspectReport stale = Inspect(vfs, "db", ThreeRetained());
  EXPECT_EQ(stale.latest_status, "stale");
  EXPECT_EQ(stale.latest_newest_verified, ids.back());
  EXPECT_EQ(stale.ToJson()["latest_status"], "stale");
  EXPECT_NE(stale.ToText().find("LATEST hint: " + ids[0] + "  stale"),
            std::string::npos)
      << stale.ToText();
  ASSERT_OK(faultfs::WriteFile(vfs, layout::Latest("db"), "junk", true));
  InspectReport bad = Inspect(vfs, "db", ThreeRetained());
  EXPECT_EQ(bad.latest_status, "invalid");
  EXPECT_FALSE(bad.latest_detail.empty());
}

TEST(LatestHint, ClassifyCoversEveryStatus) {
  std::vector<std::string> cat = {"ckpt-0000000001", "ckpt-0000000002",
                                  "ckpt-0000000003"};
  LatestHint none;
  EXPECT_EQ(ClassifyLatestHint(none, "", {}, {}), "none");
  EXPECT_EQ(ClassifyLatestHint(none, cat[2], cat, {}), "missing");
  LatestHint bad{true, false, "", "x"};
  EXPECT_EQ(ClassifyLatestHint(bad, cat[2], cat, {}), "invalid");
  LatestHint h{true, true, cat[2], ""};
  EXPECT_EQ(ClassifyLatestHint(h, cat[2], cat, {}), "ok");
  EXPECT_EQ(ClassifyLatestHint(h, cat[1], cat, {cat[2]}), "unverified");
  EXPECT_EQ(ClassifyLatestHint(h, cat[1], cat, {}), "newer");
  LatestHint old{true, true, cat[0], ""};
  EXPECT_EQ(ClassifyLatestHint(old, cat[2], cat, {}), "stale");
  LatestHint unknown{true, true, "ckpt-0000000042", ""};
  EXPECT_EQ(ClassifyLatestHint(unknown, cat[2], cat, {}), "unknown");
}

// trust-latest, stale: a LATEST replace that failed after the commit leaves
// LATEST naming the previous checkpoint; believing it drops an acknowledged
// checkpoint (startup GC then deletes its files). The safe engine ignores it.
TEST(TrustLatest, StaleHintLosesAcknowledgedCheckpointOnlyWhenTrusted) {
  for (bool trust : {false, true}) {
    SCOPED_TRACE(trust ? "trust-latest" : "safe");
    SimVfs vfs;
    Options o = ThreeRetained();
    if (trust) o.unsafe.add(UnsafeMode::kTrustLatest);
    auto e = ThreeCheckpoints(vfs, o);
    ASSERT_TRUE(e);
    AddRule(
        vfs,
        R"({"op": "rename", "path": "db/checkpoints/LATEST.tmp", "action": "error", "errno": "EIO", "times": 1})");
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
    auto dir = post->Stat(layout::CheckpointDir("db", acked));
    EXPECT_EQ(dir.ok(), !trust) << "the acknowledged checkpoint's directory";
    if (!trust) {
      EXPECT_EQ(res.latest_status, "stale");
      EXPECT_EQ(res.checkpoint_id, acked);
    }
  }
}

// trust-latest, unverified: LATEST names the newest checkpoint, whose
// COMMITTED marker does not match its manifest. The safe engine refuses (no
// fallback); trusting LATEST loads it without verification.
TEST(TrustLatest, DamagedCheckpointLoadsOnlyWhenTrusted) {
  for (bool trust : {false, true}) {
    SCOPED_TRACE(trust ? "trust-latest" : "safe");
    SimVfs vfs;
    Options o = ThreeRetained();
    if (trust) o.unsafe.add(UnsafeMode::kTrustLatest);
    auto e = ThreeCheckpoints(vfs, o);
    ASSERT_TRUE(e);
    auto newest = e->checkpoints().back().id;
    e.reset();
    // Its marker names another manifest: it fails verification.
    ASSERT_OK(faultfs::WriteFile(vfs, layout::Marker("db", newest),
                                 std::string(64, '0') + "\n", true));
    RecoveryResult res;
    auto opened = Engine::Open(vfs, "db", o, &res);
    if (trust) {
      ASSERT_TRUE(opened.ok()) << res.ToText();
      EXPECT_EQ(res.checkpoint_id, newest);
    } else {
      EXPECT_FALSE(opened.ok());
      EXPECT_NE(res.error.find("marker-mismatch"), std::string::npos)
          << res.error;
    }
  }
}

// trust-latest, unknown: LATEST names a checkpoint whose commit failed (the
// catalog rename failed and the old catalog stands), as a writer that
// updates LATEST before its commit point would leave it. The safe engine
// loads the catalog's newest and startup GC removes the uncommitted
// directory; trusting LATEST loads the uncommitted checkpoint and lists it.
TEST(TrustLatest, CheckpointNotInTheCatalogLoadsOnlyWhenTrusted) {
  for (bool trust : {false, true}) {
    SCOPED_TRACE(trust ? "trust-latest" : "safe");
    SimVfs vfs;
    Options o = ThreeRetained();
    if (trust) o.unsafe.add(UnsafeMode::kTrustLatest);
    auto e = ThreeCheckpoints(vfs, o);
    ASSERT_TRUE(e);
    auto ids = Ids(e->checkpoints());
    AddRule(
        vfs,
        R"({"op": "rename", "path": "db/checkpoints/CATALOG.json.tmp", "action": "error", "errno": "EIO", "times": 1})");
    ASSERT_TRUE(e->Put("z", "1").ok());
    ASSERT_FALSE(e->Checkpoint().ok());
    vfs.faults().Clear();
    ASSERT_EQ(Ids(e->checkpoints()), ids);
    StateDump want = e->Dump();
    e.reset();
    // The failed commit's directory is complete (manifest, marker, files).
    std::string failed = layout::FormatId(*layout::ParseId(ids.back()) + 1);
    ASSERT_TRUE(vfs.Stat(layout::Marker("db", failed)).ok());
    ASSERT_OK(
        faultfs::WriteFile(vfs, layout::Latest("db"), failed + "\n", true));
    RecoveryResult res;
    auto e2 = OpenOrDie(vfs, o, &res);
    ASSERT_TRUE(e2);
    EXPECT_EQ(e2->Dump(), want);
    EXPECT_EQ(res.checkpoint_id, trust ? failed : ids.back()) << res.ToText();
    EXPECT_EQ(Ids(e2->checkpoints()).back(), trust ? failed : ids.back());
    EXPECT_EQ(vfs.Stat(layout::CheckpointDir("db", failed)).ok(), trust);
    if (!trust) {
      EXPECT_EQ(res.latest_status, "unknown");
      EXPECT_EQ(CountWarnings(res, "latest-hint-unknown: "), 1u);
    }
  }
}

}  // namespace
}  // namespace crashlab::engine
