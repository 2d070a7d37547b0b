// Merging shard reports gives back the unsharded report, apart from timings.
#include "reports/merge.h"

#include <gtest/gtest.h>

#include "reports/canonical.h"
#include "reports/report_io.h"
#include "tests/reports/sample_runs.h"

namespace crashlab::reports {
namespace {

using testing::BuildRun;
using testing::BuildShards;

class MergeEqualsUnsharded : public ::testing::TestWithParam<uint32_t> {};

TEST_P(MergeEqualsUnsharded, FailingRun) {
  const auto spec = testing::FailingSpec();
  RunRecord unsharded = BuildRun(spec);
  auto shards = BuildShards(spec, GetParam());
  std::reverse(shards.begin(), shards.end());  // input order must not matter
  auto merged = Merge(shards);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(WithoutTimings(*merged), WithoutTimings(unsharded));
  // Byte for byte, too, once timings are out.
  EXPECT_EQ(RenderJson(WithoutTimings(*merged)),
            RenderJson(WithoutTimings(unsharded)));
}

TEST_P(MergeEqualsUnsharded, LargeRun) {
  const auto spec = testing::LargeSpec(3000, 11);
  auto merged = Merge(BuildShards(spec, GetParam()));
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(WithoutTimings(*merged), WithoutTimings(BuildRun(spec)));
}

INSTANTIATE_TEST_SUITE_P(ShardCounts, MergeEqualsUnsharded,
                         ::testing::Values(1u, 2u, 3u, 5u, 8u));

TEST(MergeTest, TimingsAreCombined) {
  auto merged = Merge(BuildShards(testing::FailingSpec(), 3));
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->run.shard.ToString(), "1/1");
  EXPECT_DOUBLE_EQ(merged->run.duration_seconds, 11 + 12 + 13);
  EXPECT_EQ(merged->run.started, "2024-05-01T12:01:00Z");
  EXPECT_DOUBLE_EQ(merged->scenarios[0].duration_seconds, 0.5 + 1.0 + 1.5);
}

TEST(MergeTest, SplitsAcrossModesMerge) {
  // A CI matrix: sim and exec jobs, each sharded in two.
  auto spec = testing::FailingSpec();
  std::vector<RunRecord> inputs;
  for (const char* mode : {"sim", "exec"}) {
    auto mode_spec = spec;
    mode_spec.run.modes = {mode};
    mode_spec.scenarios.clear();
    mode_spec.states.clear();
    std::vector<size_t> remap(spec.scenarios.size(), SIZE_MAX);
    for (size_t i = 0; i < spec.scenarios.size(); ++i) {
      if (spec.scenarios[i].mode == mode) {
        remap[i] = mode_spec.scenarios.size();
        mode_spec.scenarios.push_back(spec.scenarios[i]);
      }
    }
    for (auto st : spec.states) {
      if (remap[st.scenario] == SIZE_MAX) continue;
      st.scenario = remap[st.scenario];
      mode_spec.states.push_back(st);
    }
    for (auto& r : BuildShards(mode_spec, 2)) inputs.push_back(std::move(r));
  }
  auto merged = Merge(inputs);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  // Shard membership in BuildRun depends on the state's position, which the
  // per-mode specs renumber, so compare content rather than shard splits.
  RunRecord unsharded = BuildRun(spec);
  EXPECT_EQ(WithoutTimings(*merged).scenarios,
            WithoutTimings(unsharded).scenarios);
  EXPECT_EQ(merged->violations, unsharded.violations);
  EXPECT_EQ(merged->run.modes, unsharded.run.modes);
}

TEST(MergeTest, RejectsMissingDuplicateAndMismatchedShards) {
  auto shards = BuildShards(testing::FailingSpec(), 3);
  auto missing = Merge({shards[0], shards[2]}, {"a", "c"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kBadInput);
  EXPECT_NE(
      missing.status().message().find("shard 2/3 of mode exec is missing"),
      std::string::npos)
      << missing.status().ToString();

  auto dup =
      Merge({shards[0], shards[1], shards[2], shards[1]}, {"a", "b", "c", "d"});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().ToString().find("d (shard 2/3)"), std::string::npos)
      << dup.status().ToString();

  auto other_seed = shards;
  other_seed[1].run.seed = 99;
  auto seed = Merge(other_seed);
  ASSERT_FALSE(seed.ok());
  EXPECT_NE(seed.status().message().find("seed"), std::string::npos);

  auto other_count = shards;
  other_count[2].run.shard = {1, 4};
  EXPECT_FALSE(Merge(other_count).ok());

  auto other_expectation = shards;
  other_expectation[1].scenarios[0].expected = {Verdict::kFail,
                                                {"acknowledged-durable"}};
  EXPECT_FALSE(Merge(other_expectation).ok());

  EXPECT_FALSE(Merge({}).ok());
}

}  // namespace
}  // namespace crashlab::reports
