#pragma once
// fuse mode (`crashlab run --mode fuse|all`): every selected crash point of a
// scenario is a real run - the engine in a separate process on a fresh
// faultfs mount, stopped at the operation, SIGKILLed, power cut, recovered in
// a new process (fuse_runner.h) - judged by the same invariant checkers as
// sim mode and compared with the simulator's verdict for the same crash point
// (crash mode drop).
//
// Crash points: a scenario whose crash_points strategy is "list" runs every
// listed point. Otherwise a seeded sample of `sample` of its sim crash points
// (the seed is printed and derived from the scenario seed), plus, for every
// invariant the simulator finds violated in drop mode, the first point where
// it does ("targeted"), so fuse mode shows for real what the simulator
// caught.
//
// Expectation of a fuse result: the scenario's expected violations that the
// simulator shows at these points in drop mode (an unsafe mode caught only
// in torn or prefix modes cannot show here); anything else violated is
// unexpected. Every disagreement with the simulator is the finding
// `sim-fuse-agreement` (a harness bug), counted like an invariant.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/sim/explorer.h"
#include "harness/fuse/fuse_runner.h"

namespace crashlab::harness {

struct FuseSupport {
  bool available = false;
  std::string reason;  // what to do when not available
};

// /dev/fuse usable, fusermount3 installed, the faultfs binary found
// (`faultfs_binary`, "" = FindFaultfsBinary()).
FuseSupport CheckFuseSupport(const std::string& faultfs_binary = "");

struct FuseModeSettings {
  ExploreOptions
      explore;          // jobs (cases run in parallel), shard, seed, fail_fast
  uint64_t sample = 3;  // sampled crash points per scenario (--fuse-sample)
  FuseOptions fuse;
  std::string work_dir;  // an existing directory; one subdirectory per scenario
};

struct FusePlan {
  Scenario scenario;    // as given
  uint64_t seed = 0;    // effective
  std::string skipped;  // why it does not run in fuse mode ("" = it runs)
  // The simulator reference: FuseReferenceScenario, its workload, and one
  // explored case per sim crash point in drop mode.
  ScenarioPlan ref;
  uint64_t sample_seed = 0;
  std::vector<uint64_t>
      targeted;  // points added for a violation the simulator found
  std::vector<FuseCase> cases;  // by point, ascending
  std::string dir;              // this scenario's directory under the work dir
  std::string scenario_file;    // the scenario as the workers read it
  double seconds = 0;

  // The sim reference case for `point`. REQUIRES: point is a sim crash point.
  const CaseResult& SimCase(uint64_t point) const;
  bool stopped() const;  // some case not run (fail-fast)
};

// Runs each workload in the simulator, explores its crash points in drop
// mode and picks the fuse crash points; writes the scenario files the
// workers read into `settings.work_dir`. An error: the work dir is unusable.
faultfs::Result<std::vector<FusePlan>> PlanFuse(
    const std::vector<Scenario>& scenarios, const FuseModeSettings& settings);

// Runs every fuse case (settings.explore.jobs at a time). `on_case`, if set,
// is called after each case (one call at a time). `progress` may be null.
void RunFusePlans(
    std::vector<FusePlan>* plans, const FuseModeSettings& settings,
    Progress* progress,
    const std::function<void(const FusePlan&, const FuseCase&)>& on_case = {});

// "p17: recovered ok, 12 keys, catalog [..]; 7 held; agrees (1.4s)" and the
// like, for progress output.
std::string DescribeFuseCase(const FusePlan& plan, const FuseCase& c);

}  // namespace crashlab::harness
