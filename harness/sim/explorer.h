#pragma once
// sim mode: plans and explores the crash states of scenarios. Planning runs
// each workload once and lists its crash states (crash point x crash mode);
// exploring runs recovery and the invariant checkers on every state, on
// `jobs` threads. Results are stored by state index, so they are identical
// whatever the job count.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "faultfs/crash_mode.h"
#include "harness/invariants/crash_case.h"
#include "harness/scenario/scenario.h"
#include "harness/workload/crash_points.h"
#include "harness/workload/recovery_run.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {

struct ExploreOptions {
  unsigned jobs = 1;
  ShardSpec shard;
  std::optional<uint64_t> seed;  // replaces every scenario's seed
  bool fail_fast = false;        // stop at the first unexpected violation
};

// Live counters for a progress line; updated by the workers.
struct Progress {
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> violations{0};
};

struct CaseResult {
  uint64_t point = 0;
  faultfs::CrashMode mode;
  std::vector<Finding> findings;  // one per scenario invariant, in its order
  std::shared_ptr<const RecoveryOutcome> recovery;
  bool done = false;
};

struct ScenarioPlan {
  Scenario scenario;
  uint64_t seed = 0;    // effective
  std::string skipped;  // why it does not run in sim mode ("" = it runs)
  std::shared_ptr<const WorkloadRun> workload;
  std::vector<uint64_t> points;   // this shard's
  std::vector<CaseResult> cases;  // (point, mode) in canonical order
  double seconds = 0;

  // Filled by ExplorePlans (independent of --jobs; see README "Counts"):
  uint64_t distinct_images = 0;  // distinct post-crash images explored
  uint64_t nested_crashes = 0;   // crashes inside those images' recoveries
  uint64_t checks = 0;           // invariant checker evaluations
  // One recovery per distinct image plus one per nested crash.
  uint64_t recoveries() const { return distinct_images + nested_crashes; }

  uint64_t crash_states() const;  // (crash point, crash mode) cases explored
  bool stopped() const;           // some case not explored (fail-fast)
};

// Runs the workload and lists the crash states. If `only` is set, exactly
// that crash point and mode (reproducers).
ScenarioPlan PlanScenario(
    const Scenario& scenario, const ExploreOptions& opts,
    const std::optional<ReproTarget>& only = std::nullopt);

// Explores every case of every plan.
void ExplorePlans(std::vector<ScenarioPlan>* plans, const ExploreOptions& opts,
                  Progress* progress);

// The CrashCase of one explored case (for reports and replay); builds the
// post-crash image into *post_storage.
CrashCase BuildCrashCase(const ScenarioPlan& plan, const CaseResult& result,
                         faultfs::Image* post_storage);
// The same with the post-crash image already built. REQUIRES: `post` is the
// image of result's crash point and mode, and outlives the CrashCase.
CrashCase BuildCrashCase(const ScenarioPlan& plan, const CaseResult& result,
                         const faultfs::Image& post);

uint64_t EffectiveSeed(const Scenario& scenario, const ExploreOptions& opts);

}  // namespace crashlab::harness
