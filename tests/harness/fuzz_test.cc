// crashlab fuzz: the generator is deterministic and valid, the safe engine
// shows no violation on a sample, and for every unsafe mode the fuzzer finds a
// violation and writes a reproducer that `crashlab replay` confirms.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "engine/unsafe_mode.h"
#include "harness/cli.h"
#include "harness/fuzz.h"
#include "harness/scenario_writer.h"

namespace crashlab::harness {
namespace {

std::string TempDir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("crashlab-fuzz-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  return p.string();
}

int Replay(const std::string& file, std::string* output) {
  const char* argv[] = {"crashlab", "replay", file.c_str()};
  std::ostringstream out, err;
  int rc = Main(3, argv, out, err);
  *output = out.str() + err.str();
  return rc;
}

TEST(FuzzTest, GeneratorIsDeterministicAndValid) {
  for (uint64_t i = 0; i < 50; ++i) {
    uint64_t s = FuzzScenarioSeed(7, i);
    EXPECT_EQ(s, FuzzScenarioSeed(7, i));
    Scenario a = GenerateScenario(s, {});
    Scenario b = GenerateScenario(s, {});
    EXPECT_EQ(WriteScenario(a), WriteScenario(b));
    EXPECT_FALSE(a.workload.empty());
  }
  EXPECT_NE(FuzzScenarioSeed(7, 0), FuzzScenarioSeed(8, 0));
}

TEST(FuzzTest, SafeEngineShowsNoViolation) {
  FuzzOptions o{.seconds = 600, .seed = 1, .out_dir = TempDir("safe"), .jobs = 2, .max_scenarios = 6};
  FuzzResult r = RunFuzz(o, {});
  EXPECT_EQ(r.stats.scenarios, 6u);
  EXPECT_GT(r.stats.crash_states, 0u);
  ASSERT_FALSE(r.finding) << "the safe engine violated " << r.finding->invariant << ": " << r.finding->message
                          << "\nreproducer: " << r.finding->minimal_path;
  std::filesystem::remove_all(o.out_dir);
}

// Seeds and scenario budgets under which each unsafe mode is found (the
// search is deterministic in the seed, so these are fixed).
struct ModeCase {
  const char* mode;
  uint64_t seed;
  uint64_t max_scenarios;
};

class FuzzUnsafeTest : public ::testing::TestWithParam<ModeCase> {};

TEST_P(FuzzUnsafeTest, FindsViolationAndReplayConfirms) {
  const ModeCase& mc = GetParam();
  FuzzOptions o{.seconds = 600, .seed = mc.seed, .unsafe = {mc.mode}, .out_dir = TempDir(mc.mode),
                .jobs = 2, .max_scenarios = mc.max_scenarios, .shrink_candidates = 60};
  FuzzResult r = RunFuzz(o, {});
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_TRUE(r.finding) << mc.mode << " not detected in " << r.stats.scenarios << " scenarios (seed " << mc.seed << ")";
  ASSERT_TRUE(std::filesystem::exists(r.finding->original_path));
  ASSERT_TRUE(std::filesystem::exists(r.finding->minimal_path));
  std::string output;
  EXPECT_EQ(Replay(r.finding->minimal_path, &output), kExitViolation) << output;
  EXPECT_NE(output.find("VIOLATED " + r.finding->invariant), std::string::npos) << output;
  EXPECT_EQ(Replay(r.finding->original_path, &output), kExitViolation) << output;
  EXPECT_LE(r.finding->minimal.workload.size(), r.finding->original.workload.size());
  std::filesystem::remove_all(o.out_dir);
}

INSTANTIATE_TEST_SUITE_P(
    EveryUnsafeMode, FuzzUnsafeTest,
    ::testing::Values(ModeCase{"skip-dir-fsync", 1, 10}, ModeCase{"catalog-in-place", 1, 20},
                      ModeCase{"no-rollback-on-commit-error", 1, 10}, ModeCase{"gc-when-catalog-missing", 1, 40},
                      ModeCase{"gc-ignores-manifest-errors", 1, 200}, ModeCase{"gc-ignores-children", 1, 40},
                      ModeCase{"skip-verify", 1, 60}, ModeCase{"truncate-wal-early", 1, 10},
                      ModeCase{"ack-before-fsync", 1, 10}, ModeCase{"trust-torn-wal", 1, 60}),
    [](const ::testing::TestParamInfo<ModeCase>& info) {
      std::string n = info.param.mode;
      for (char& c : n) if (c == '-') c = '_';
      return n;
    });

TEST(FuzzTest, CommandRejectsBadInput) {
  std::ostringstream out, err;
  const char* bad_time[] = {"crashlab", "fuzz", "--time", "soon"};
  EXPECT_EQ(Main(4, bad_time, out, err), kExitBadInput);
  const char* bad_mode[] = {"crashlab", "fuzz", "--unsafe", "no-such-mode"};
  EXPECT_EQ(Main(4, bad_mode, out, err), kExitBadInput);
  EXPECT_NE(err.str().find("unknown unsafe mode"), std::string::npos);
}

}  // namespace
}  // namespace crashlab::harness
