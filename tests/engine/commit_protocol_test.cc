// The checkpoint commit protocol under an injected fault at every I/O call
// index, for every error action: either the checkpoint is committed and
// recoverable, or the call failed, the in-memory list is unchanged and
// recovery returns the previous checkpoint. Plus exhaustive crash points.
#include <gtest/gtest.h>

#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

// An engine with one committed checkpoint and synced data after it.
std::unique_ptr<Engine> Prepare(SimVfs& vfs, const Options& o) {
  auto e = OpenOrDie(vfs, o);
  for (int i = 0; i < 12; ++i)
    EXPECT_TRUE(e->Put("k" + std::to_string(i), "v1").ok());
  EXPECT_TRUE(e->Checkpoint().ok());
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(e->Put("k" + std::to_string(i), "v2").ok());
  EXPECT_TRUE(e->Delete("k11").ok());
  EXPECT_TRUE(e->Sync().ok());
  return e;
}

uint64_t CountCheckpointOps(const Options& o) {
  SimVfs vfs;
  auto e = Prepare(vfs, o);
  uint64_t before = vfs.op_count();
  EXPECT_TRUE(e->Checkpoint().ok());
  return vfs.op_count() - before;
}

struct FaultCase {
  const char* op;
  const char* action;
  const char* errno_name;
};

class CommitFaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(CommitFaultTest, EveryCallIndex) {
  for (bool incremental : {true, false}) {
    Options o = TestOptions();
    o.incremental = incremental;
    const uint64_t n = CountCheckpointOps(o);
    ASSERT_GT(n, 20u);
    int committed = 0, failed = 0;
    for (uint64_t k = 1; k <= n; ++k) {
      SCOPED_TRACE("fault at checkpoint call " + std::to_string(k) + " of " +
                   std::to_string(n) +
                   (incremental ? " (incremental)" : " (full)"));
      SimVfs vfs;
      auto e = Prepare(vfs, o);
      StateDump expected = e->Dump();
      auto before = e->checkpoints();
      ASSERT_EQ(before.size(), 1u);
      std::string errno_field =
          *GetParam().errno_name
              ? std::string(R"(, "errno": ")") + GetParam().errno_name + "\""
              : "";
      AddRule(vfs, std::string(R"({"op": ")") + GetParam().op +
                       R"(", "action": ")" + GetParam().action + "\"" +
                       errno_field + R"(, "nth": )" + std::to_string(k) + "}");
      auto r = e->Checkpoint();
      vfs.faults().Clear();
      auto after = e->checkpoints();
      std::string want;
      if (r.ok()) {
        ++committed;
        ASSERT_EQ(after.size(), 2u);
        EXPECT_EQ(after.back().id, r->info.id);
        want = r->info.id;
      } else {
        ++failed;
        EXPECT_EQ(after, before) << "in-memory list changed by a failed commit";
        want = before.back().id;
      }
      e.reset();
      for (auto mode : {faultfs::CrashMode::Drop()}) {
        auto post = CrashCopy(vfs, mode);
        RecoveryResult res;
        auto e2 = OpenOrDie(*post, o, &res);
        ASSERT_TRUE(e2);
        EXPECT_EQ(res.checkpoint_id, want) << res.ToText();
        EXPECT_EQ(e2->Dump(), expected);
        EXPECT_FALSE(res.fallback_used);
        // A second recovery finds the same thing (idempotent).
        e2.reset();
        auto e3 = OpenOrDie(*post, o, &res);
        ASSERT_TRUE(e3);
        EXPECT_EQ(res.checkpoint_id, want);
        EXPECT_EQ(e3->Dump(), expected);
      }
    }
    EXPECT_GT(committed, 0);
    EXPECT_GT(failed, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Actions, CommitFaultTest,
    ::testing::Values(FaultCase{"any", "error", "EIO"},
                      FaultCase{"any", "error", "ENOSPC"},
                      FaultCase{"any", "error_after", "EIO"},
                      FaultCase{"fsync", "fsyncgate", ""},
                      FaultCase{"fsyncdir", "error", "EIO"},
                      FaultCase{"rename", "error_after", "EIO"}),
    [](const auto& info) {
      return std::string(info.param.op) + "_" + info.param.action +
             (*info.param.errno_name ? "_" : "") + info.param.errno_name;
    });

// A power cut before each call of the commit, in every crash mode: recovery
// always succeeds, returns the previous or the new checkpoint (the new one
// only once its catalog entry can have reached the disk), and the state is
// exactly the synced one.
TEST(CommitCrash, EveryCrashPointEveryMode) {
  Options o = TestOptions();
  SimVfs vfs;
  auto e = Prepare(vfs, o);
  StateDump expected = e->Dump();
  std::string prev = e->checkpoints().back().id;
  std::string next;
  auto points = CaptureCrashPoints(vfs, [&] {
    auto r = e->Checkpoint();
    ASSERT_TRUE(r.ok());
    next = r->info.id;
  });
  size_t states = 0, saw_new = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    for (const auto& mode : ModesFor(points[i].state, i)) {
      SCOPED_TRACE("crash before op " + std::to_string(i) + " (" +
                   points[i].next_op.path + ") mode " + mode.ToString());
      auto post = AfterCrash(points[i].state, mode);
      RecoveryResult res;
      auto e2 = OpenOrDie(*post, o, &res);
      ASSERT_TRUE(e2);
      EXPECT_TRUE(res.checkpoint_id == prev || res.checkpoint_id == next)
          << res.ToText();
      saw_new += res.checkpoint_id == next;
      EXPECT_EQ(e2->Dump(), expected);
      ++states;
    }
  }
  EXPECT_GT(saw_new, 0u);
  // After the checkpoint returned, a drop crash must keep it.
  auto post = AfterCrash(points.back().state, faultfs::CrashMode::Drop());
  RecoveryResult res;
  auto e3 = OpenOrDie(*post, o, &res);
  EXPECT_EQ(res.checkpoint_id, next);
  RecordProperty("crash_states", static_cast<int>(states));
}

}  // namespace
}  // namespace crashlab::engine
