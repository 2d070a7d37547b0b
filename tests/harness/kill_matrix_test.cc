// The kill matrix: the shipped suite in sim mode. The safe engine shows no
// violation anywhere, every scenario meets its expectation, and every unsafe
// mode of the engine is caught by at least one scenario.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "engine/unsafe_mode.h"
#include "harness/suite/run_suite.h"
#include "harness/scenario/scenario_files.h"

namespace crashlab::harness {
namespace {

TEST(KillMatrix, SafeEnginePassesAndEveryUnsafeModeIsCaught) {
  std::vector<InputError> errors;
  auto scenarios =
      LoadScenarios(CollectScenarioFiles({"scenarios"}, &errors), &errors);
  ASSERT_TRUE(errors.empty()) << JoinErrors(errors);
  SuiteSettings settings;
  settings.explore.jobs = 2;
  SuiteResult result = RunSuite(scenarios, settings, nullptr);
  std::map<std::string, std::set<std::string>>
      caught;  // unsafe mode -> scenarios
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& sc = scenarios[i];
    if (sc.has_exec())
      continue;  // exec scenarios (scenarios/examples/) run only in fuse mode
    const reports::ScenarioResult* r = nullptr;
    for (const auto& s : result.record.scenarios) {
      if (s.file == sc.file && s.name == sc.name) r = &s;
    }
    ASSERT_NE(r, nullptr) << sc.file;
    EXPECT_TRUE(r->error.empty()) << sc.file << ": " << r->error;
    EXPECT_TRUE(r->expectation_met())
        << sc.file << ": expected "
        << (sc.expect_violated.empty() ? "pass" : sc.expect_violated[0]);
    if (sc.engine.unsafe.empty() && sc.expect_violated.empty()) {
      for (const auto& ic : r->invariants) {
        EXPECT_EQ(ic.violated, 0u)
            << "safe engine violates " << ic.id << " in " << sc.file;
      }
    } else if (!sc.expect_violated.empty() && r->expectation_met()) {
      for (const auto& m : sc.engine.unsafe) caught[m].insert(sc.name);
    }
  }
  for (auto mode : engine::AllUnsafeModes()) {
    std::string name(engine::UnsafeModeName(mode));
    EXPECT_FALSE(caught[name].empty())
        << "unsafe mode " << name << " goes undetected by the suite";
  }
}

}  // namespace
}  // namespace crashlab::harness
