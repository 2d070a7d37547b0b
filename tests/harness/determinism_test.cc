// Determinism: the same scenarios give identical records run twice and with
// different job counts; a reproducer replays to the identical violation; the
// union of shards is exactly the unsharded run.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/suite/run_record_builder.h"
#include "harness/suite/run_suite.h"
#include "harness/scenario/scenario_files.h"
#include "harness/scenario/scenario_parser.h"
#include "reports/canonical.h"
#include "reports/merge.h"

namespace crashlab::harness {
namespace {

std::vector<Scenario> Load(const std::vector<std::string>& files) {
  std::vector<InputError> errors;
  auto s = LoadScenarios(files, &errors);
  EXPECT_TRUE(errors.empty()) << JoinErrors(errors);
  return s;
}

const std::vector<std::string> kFiles = {
    "scenarios/unsafe/ack-before-fsync.json",
    "scenarios/unsafe/trust-torn-wal.json",
    "scenarios/crash-inside-recovery.json"};

reports::RunRecord RunScenarios(unsigned jobs, ShardSpec shard = {},
                                const std::string& repro_dir = "") {
  SuiteSettings s;
  s.explore.jobs = jobs;
  s.explore.shard = shard;
  s.repro_dir = repro_dir;
  return reports::WithoutTimings(RunSuite(Load(kFiles), s, nullptr).record);
}

TEST(Determinism, SameResultsTwiceAndWhateverTheJobCount) {
  reports::RunRecord a = RunScenarios(1);
  EXPECT_FALSE(a.violations.empty());
  EXPECT_EQ(reports::ToJson(a), reports::ToJson(RunScenarios(1)));
  EXPECT_EQ(reports::ToJson(a), reports::ToJson(RunScenarios(3)));
}

TEST(Determinism, ReproducerReplaysTheIdenticalViolation) {
  std::string dir =
      (std::filesystem::temp_directory_path() / "crashlab_determinism_repro")
          .string();
  std::filesystem::remove_all(dir);
  reports::RunRecord rec = RunScenarios(2, {}, dir);
  ASSERT_FALSE(rec.violations.empty());
  for (const auto& v : rec.violations) {
    ParseOutcome p = LoadScenario(v.reproducer);
    ASSERT_TRUE(p.ok()) << JoinErrors(p.errors);
    ASSERT_TRUE(p.scenario.reproduce);
    std::vector<ScenarioPlan> plans{
        PlanScenario(p.scenario, {}, p.scenario.reproduce)};
    ExplorePlans(&plans, {}, nullptr);
    ASSERT_EQ(plans[0].cases.size(), 1u);
    ASSERT_TRUE(plans[0].cases[0].findings.at(0).violated) << v.reproducer;
    reports::Violation again =
        ToViolation(plans[0], plans[0].cases[0], 0, v.reproducer);
    again.scenario_file =
        v.scenario_file;  // the reproducer is a different file
    EXPECT_EQ(reports::ToJson(again).dump(), reports::ToJson(v).dump())
        << v.reproducer;
  }
  std::filesystem::remove_all(dir);
}

TEST(Sharding, UnionOfShardsIsTheUnshardedRun) {
  reports::RunRecord whole = RunScenarios(2);
  std::vector<reports::RunRecord> shards;
  for (uint32_t i = 1; i <= 3; ++i)
    shards.push_back(RunScenarios(1, ShardSpec{i, 3}));
  // Every crash point is in exactly one shard.
  for (size_t s = 0; s < whole.scenarios.size(); ++s) {
    std::vector<uint64_t> all;
    for (const auto& sh : shards) {
      all.insert(all.end(), sh.scenarios[s].crash_points.begin(),
                 sh.scenarios[s].crash_points.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, whole.scenarios[s].crash_points) << whole.scenarios[s].name;
  }
  auto merged = reports::Merge(shards);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  nlohmann::json a = reports::ToJson(reports::WithoutTimings(*merged));
  nlohmann::json b = reports::ToJson(whole);
  EXPECT_EQ(a, b) << nlohmann::json::diff(b, a).dump().substr(0, 2000);
}

}  // namespace
}  // namespace crashlab::harness
