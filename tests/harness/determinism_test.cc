// Determinism: the same scenarios give identical records run twice and with
// different job counts; a reproducer replays to the identical violation; the
// union of shards is exactly the unsharded run.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness/scenario/scenario_files.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/sim/explorer.h"
#include "harness/suite/run_record_builder.h"
#include "harness/suite/run_suite.h"
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

// Each count is its own number: a case is one (crash point, crash mode)
// pair, counted once however many crashes its recovery was put through.
TEST(Counts, CasesImagesRecoveriesAndNestedCrashesAreSeparate) {
  auto scenarios = Load({"scenarios/crash-inside-recovery.json",
                         "scenarios/unsafe/ack-before-fsync.json"});
  SuiteSettings s;
  s.explore.jobs = 2;
  reports::RunRecord rec = RunSuite(scenarios, s, nullptr).record;
  ASSERT_EQ(rec.scenarios.size(), scenarios.size());
  uint64_t nested_total = 0;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    ExploreOptions o;
    ScenarioPlan plan = PlanScenario(scenarios[i], o);
    const auto& r = rec.scenarios[i];
    EXPECT_EQ(r.crash_states, plan.cases.size()) << r.name;
    EXPECT_GE(r.distinct_images, 1u) << r.name;
    EXPECT_LE(r.distinct_images, r.crash_states) << r.name;
    EXPECT_EQ(r.recoveries, r.distinct_images + r.nested_crashes) << r.name;
    EXPECT_LE(r.checks, r.crash_states * r.invariants.size()) << r.name;
    EXPECT_GT(r.checks, 0u) << r.name;
    nested_total += r.nested_crashes;
  }
  EXPECT_GT(nested_total, 0u);  // crash-inside-recovery crashes recovery
  auto t = reports::ComputeTotals(rec);
  EXPECT_EQ(t.recoveries, t.distinct_images + t.nested_crashes);
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
  // Cases and checks add up exactly; images (and so recoveries and nested
  // crashes) two shards share count in both.
  for (size_t s = 0; s < whole.scenarios.size(); ++s) {
    auto& m = merged->scenarios[s];
    const auto& w = whole.scenarios[s];
    EXPECT_EQ(m.crash_states, w.crash_states) << w.name;
    EXPECT_EQ(m.checks, w.checks) << w.name;
    EXPECT_GE(m.distinct_images, w.distinct_images) << w.name;
    EXPECT_GE(m.recoveries, w.recoveries) << w.name;
    EXPECT_GE(m.nested_crashes, w.nested_crashes) << w.name;
    m.distinct_images = w.distinct_images;
    m.recoveries = w.recoveries;
    m.nested_crashes = w.nested_crashes;
  }
  nlohmann::json a = reports::ToJson(reports::WithoutTimings(*merged));
  nlohmann::json b = reports::ToJson(whole);
  EXPECT_EQ(a, b) << nlohmann::json::diff(b, a).dump().substr(0, 2000);
}

// recovery.crash_modes: the crashes inside each explored recovery use those
// modes (expanded over the recovery's own pending operations), on top of the
// drop crashes at the same points, deterministically whatever the job count.
TEST(Determinism, NestedRecoveryCrashesUseTheScenarioModes) {
  auto scenarios = Load({"scenarios/crash-inside-recovery.json"});
  ASSERT_EQ(scenarios.size(), 1u);
  auto nested = [](const Scenario& sc, unsigned jobs) {
    ExploreOptions eo;
    eo.jobs = jobs;
    std::vector<ScenarioPlan> plans{PlanScenario(sc, eo)};
    ExplorePlans(&plans, eo, nullptr);
    for (const auto& c : plans[0].cases)
      for (const auto& f : c.findings)
        EXPECT_FALSE(f.violated) << f.message;
    return plans[0].nested_crashes;
  };
  Scenario drop = scenarios[0];
  ASSERT_EQ(drop.recovery.crash_modes, std::vector<std::string>{"drop"});
  Scenario every = drop;
  every.recovery.crash_modes = {"drop", "prefix", "random:2", "torn:2"};
  uint64_t n_drop = nested(drop, 1), n_every = nested(every, 1);
  EXPECT_GT(n_drop, 0u);
  EXPECT_GT(n_every, n_drop);
  EXPECT_EQ(n_every, nested(every, 3));
  // The shipped scenario that asks for it reaches the same states.
  auto shipped = Load({"scenarios/crash-inside-recovery-every-mode.json"});
  ASSERT_EQ(shipped.size(), 1u);
  EXPECT_EQ(shipped[0].recovery.crash_modes, every.recovery.crash_modes);
}

}  // namespace
}  // namespace crashlab::harness
