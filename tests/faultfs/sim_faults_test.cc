// Every fault action and schedule, carried out by SimVfs.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "faultfs/sim_vfs.h"
#include "tests/faultfs/sim_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::FileEntry;
using testing::Ok;
using testing::Put;

void AddRule(SimVfs& vfs, const std::string& json) {
  auto rule = FaultRule::Parse(json);
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  vfs.faults().Add(*rule);
}

// A committed file "d/CATALOG" = v1 and a durable "d/CATALOG.tmp" = v2.
void SetUpCatalog(SimVfs& vfs) {
  Ok(vfs.Mkdir("d"));
  Put(vfs, "d/CATALOG", "v1", true);
  Put(vfs, "d/CATALOG.tmp", "v2", true);
  Ok(vfs.SyncDir("d"));
  Ok(vfs.SyncDir(""));
}

TEST(SimFaults, ErrorLeavesBothNamesAsTheyWere) {
  SimVfs vfs;
  SetUpCatalog(vfs);
  AddRule(
      vfs,
      R"({"op":"rename","path":"**/CATALOG*","action":"error","errno":"EIO","times":1})");
  Status st = vfs.Rename("d/CATALOG.tmp", "d/CATALOG");
  EXPECT_EQ(st.err(), EIO);
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("d/CATALOG"), FileEntry("v1"));
  EXPECT_EQ(t.at("d/CATALOG.tmp"), FileEntry("v2"));
  Ok(vfs.Rename("d/CATALOG.tmp", "d/CATALOG"));  // times: 1 - only once
  auto log = vfs.faults().log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].action, ActionKind::kError);
  EXPECT_EQ(log[0].path, "d/CATALOG.tmp");
}

TEST(SimFaults, ErrorAfterAppliesTheRenameAndStillFails) {
  SimVfs vfs;
  SetUpCatalog(vfs);
  AddRule(
      vfs,
      R"({"op":"rename","path":"**/CATALOG*","action":"error_after","errno":"EIO","nth":1})");
  EXPECT_EQ(vfs.Rename("d/CATALOG.tmp", "d/CATALOG").err(), EIO);
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("d/CATALOG"), FileEntry("v2"));
  EXPECT_EQ(t.count("d/CATALOG.tmp"), 0u);
  EXPECT_EQ(vfs.trace().back().fault, "error_after");
}

TEST(SimFaults, ShortWriteReturnsCount) {
  SimVfs vfs;
  AddRule(
      vfs,
      R"({"op":"write","path":"wal/*.log","action":"short_write","bytes":100,"nth":2})");
  Ok(vfs.Mkdir("wal"));
  auto f = vfs.Open("wal/1.log", OpenOptions::CreateNew());
  std::string block(4096, 'w');
  EXPECT_EQ(*(*f)->Write(0, block.data(), block.size()), 4096u);
  EXPECT_EQ(*(*f)->Write(4096, block.data(), block.size()), 100u);
  EXPECT_EQ((*f)->Stat()->size, 4196u);
}

TEST(SimFaults, EnospcAfterBytes) {
  SimVfs vfs;
  AddRule(
      vfs,
      R"({"op":"write","path":"**","action":"enospc_after_bytes","bytes":1000})");
  auto f = vfs.Open("f", OpenOptions::CreateNew());
  std::string block(600, 'x');
  EXPECT_EQ(*(*f)->Write(0, block.data(), block.size()), 600u);
  auto second = (*f)->Write(600, block.data(), block.size());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 400u);
  auto third = (*f)->Write(1000, block.data(), block.size());
  EXPECT_EQ(third.status().err(), ENOSPC);
}

TEST(SimFaults, FsyncLiePersistsNothing) {
  SimVfs vfs;
  Put(vfs, "f", "", true);
  Ok(vfs.SyncDir(""));
  AddRule(vfs, R"({"op":"fsync","path":"f","action":"fsync_lie"})");
  Put(vfs, "f", "acknowledged", true);  // fsync returns 0
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry(""));
}

TEST(SimFaults, FsyncgateDropsDirtyDataAndNextFsyncSucceeds) {
  SimVfs vfs;
  Put(vfs, "f", "", true);
  Ok(vfs.SyncDir(""));
  AddRule(vfs, R"({"op":"fsync","path":"f","action":"fsyncgate","times":1})");
  auto f = vfs.Open("f", OpenOptions::ReadWrite());
  Ok(WriteAll(**f, 0, "dirty"));
  EXPECT_EQ((*f)->Sync().err(), EIO);
  Ok((*f)->Sync());  // "succeeds" - but the data is gone for good
  char buf[8];
  EXPECT_EQ(*(*f)->Read(0, buf, 8), 5u);  // still visible in the page cache
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry(""));
}

TEST(SimFaults, TransientCorruptionOnRead) {
  SimVfs vfs(SimVfs::Options{.seed = 5});
  Put(vfs, "state-1", std::string(64, 'a'), true);
  AddRule(
      vfs,
      R"({"op":"read","path":"**/state-*","action":"corrupt","corrupt":{"bitflips":8},"times":1})");
  auto once = ReadFile(vfs, "state-1");
  ASSERT_TRUE(once.ok());
  EXPECT_NE(*once, std::string(64, 'a'));
  EXPECT_EQ(*ReadFile(vfs, "state-1"), std::string(64, 'a'));  // transient
}

TEST(SimFaults, PersistentCorruptionReachesDurableContent) {
  SimVfs vfs;
  Put(vfs, "MANIFEST.json", std::string(100, 'm'), true);
  Ok(vfs.SyncDir(""));
  AddRule(
      vfs,
      R"({"op":"any","path":"**/MANIFEST.json","action":"corrupt","corrupt":{"zero":[0,64]},"persistent":true,"times":1})");
  EXPECT_TRUE(vfs.Stat("MANIFEST.json").ok());  // any op triggers it
  std::string expect = std::string(64, '\0') + std::string(36, 'm');
  EXPECT_EQ(*ReadFile(vfs, "MANIFEST.json"), expect);
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("MANIFEST.json"), FileEntry(expect));
}

TEST(SimFaults, GarbageCorruptionIsSeeded) {
  auto run = [](uint64_t seed) {
    SimVfs vfs(SimVfs::Options{.seed = seed});
    Put(vfs, "f", std::string(32, 'a'), true);
    AddRule(
        vfs,
        R"({"op":"read","path":"f","action":"corrupt","corrupt":{"garbage":[4,8]}})");
    return *ReadFile(vfs, "f");
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
  EXPECT_EQ(run(1).substr(0, 4), "aaaa");
  EXPECT_EQ(run(1).substr(12), std::string(20, 'a'));
}

TEST(SimFaults, TruncateActionCutsTheFile) {
  SimVfs vfs;
  Put(vfs, "f", "0123456789", true);
  Ok(vfs.SyncDir(""));
  AddRule(vfs,
          R"({"op":"open","path":"f","action":"truncate","size":3,"times":1})");
  EXPECT_EQ(*ReadFile(vfs, "f"), "012");
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry("012"));
}

TEST(SimFaults, LoseRemovesTheFileAtNextCrash) {
  SimVfs vfs;
  Put(vfs, "state", "precious", true);
  Ok(vfs.SyncDir(""));
  AddRule(vfs, R"({"op":"stat","path":"state","action":"lose","times":1})");
  EXPECT_TRUE(vfs.Stat("state").ok());
  EXPECT_EQ(vfs.VisibleTree().at("state"),
            FileEntry("precious"));  // still there
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().count("state"), 0u);
}

TEST(SimFaults, TornWriteReachesDiskOnlyInPart) {
  SimVfs vfs;
  Put(vfs, "f", "", true);
  Ok(vfs.SyncDir(""));
  AddRule(vfs, R"({"op":"write","path":"f","action":"torn","bytes":1024})");
  auto f = vfs.Open("f", OpenOptions::ReadWrite());
  Ok(WriteAll(**f, 0, std::string(4096, 't')));
  Ok((*f)->Sync());
  vfs.Crash();
  EXPECT_EQ(vfs.VisibleTree().at("f"), FileEntry(std::string(1024, 't')));
}

TEST(SimFaults, CrashRuleRevertsAndFailsUntilRestart) {
  SimVfs vfs;
  Put(vfs, "a", "durable", true);
  Ok(vfs.SyncDir(""));
  AddRule(vfs, R"({"op":"fsync","path":"**","action":"crash","nth":2})");
  Put(vfs, "b", "first", true);  // fsync #1 of b... a's was before the rule
  Ok(vfs.SyncDir(""));
  Status st = WriteFile(vfs, "c", "lost", true);  // fsync #2: power cut
  EXPECT_EQ(st.err(), EIO);
  EXPECT_TRUE(vfs.crashed());
  EXPECT_EQ(vfs.Stat("a").status().err(), EIO);
  vfs.Restart();
  Tree t = vfs.VisibleTree();
  EXPECT_EQ(t.at("a"), FileEntry("durable"));
  EXPECT_EQ(t.at("b"), FileEntry("first"));
  EXPECT_EQ(t.count("c"), 0u);
  EXPECT_TRUE(vfs.Stat("a").ok());
}

TEST(SimFaults, DelayProceeds) {
  SimVfs vfs;
  AddRule(vfs, R"({"op":"mkdir","path":"**","action":"delay","delay_ms":5})");
  Ok(vfs.Mkdir("d"));
  EXPECT_EQ(vfs.faults().log().size(), 1u);
}

TEST(SimFaults, ScheduleAfterAndProbabilityAreDeterministic) {
  auto run = [](uint64_t seed) {
    SimVfs vfs(SimVfs::Options{.seed = seed});
    AddRule(
        vfs,
        R"({"op":"mkdir","path":"**","action":"error","errno":"ENOSPC","probability":0.5})");
    std::string outcome;
    for (int i = 0; i < 40; ++i)
      outcome += vfs.Mkdir("d" + std::to_string(i)).ok() ? '.' : 'x';
    return std::make_pair(outcome, TraceToJsonLines(vfs.trace()));
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11).first, run(12).first);
  SimVfs vfs;
  AddRule(vfs,
          R"({"op":"mkdir","path":"**","action":"error","after":2,"times":2})");
  std::string outcome;
  for (int i = 0; i < 6; ++i)
    outcome += vfs.Mkdir("e" + std::to_string(i)).ok() ? '.' : 'x';
  EXPECT_EQ(outcome, "..xx..");
}

TEST(SimFaults, FaultLogSerialises) {
  SimVfs vfs;
  AddRule(
      vfs,
      R"({"op":"mkdir","path":"**","action":"error","errno":"EACCES","nth":1})");
  EXPECT_EQ(vfs.Mkdir("d").err(), EACCES);
  std::string lines = vfs.faults().LogAsJsonLines();
  EXPECT_NE(lines.find("EACCES"), std::string::npos);
  EXPECT_NE(lines.find("\"op_index\":0"), std::string::npos);
}

// A delay holds up only the operation it matched: another thread's operation
// runs during the sleep; a crash during the sleep fails the delayed one.
TEST(SimFaults, DelayReleasesTheSimulatorDuringItsSleep) {
  SimVfs vfs;
  Put(vfs, "a", "a", true);
  Put(vfs, "b", "b", true);
  Ok(vfs.SyncDir(""));
  AddRule(
      vfs,
      R"({"op":"stat","path":"a","action":"delay","delay_ms":1500,"times":1})");
  std::atomic<bool> a_done{false};
  std::thread delayed([&] {
    EXPECT_TRUE(vfs.Stat("a").ok());
    a_done = true;
  });
  while (vfs.faults().log_count() == 0) std::this_thread::yield();
  EXPECT_TRUE(vfs.Stat("b").ok());
  Put(vfs, "b", "b2", true);
  bool a_still_blocked = !a_done.load();
  delayed.join();
  EXPECT_TRUE(a_still_blocked) << "stat of b waited for the delayed stat of a";
}

TEST(SimFaults, CrashDuringADelayFailsTheDelayedOperation) {
  SimVfs vfs;
  Put(vfs, "a", "a", true);
  Ok(vfs.SyncDir(""));
  AddRule(
      vfs,
      R"({"op":"truncate","path":"a","action":"delay","delay_ms":500,"times":1})");
  Status st;
  std::thread delayed([&] { st = vfs.Truncate("a", 0); });
  while (vfs.faults().log_count() == 0) std::this_thread::yield();
  vfs.Crash();
  delayed.join();
  EXPECT_EQ(st.err(), EIO) << st.ToString();
  EXPECT_EQ(vfs.VisibleTree().at("a"), FileEntry("a"));
}

}  // namespace
}  // namespace crashlab::faultfs
