#pragma once
// Runs scenarios in sim mode, fuse mode or both (sim first) and builds the
// run record: the library behind `crashlab run`, also used directly by tests.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/fuse/fuse_mode.h"
#include "harness/scenario/scenario.h"
#include "harness/sim/explorer.h"
#include "reports/run_record.h"

namespace crashlab::harness {

// `crashlab run --mode`: sim, fuse, or all (sim, then fuse; exec scenarios
// run in exec mode whenever fuse mode runs).
enum class RunMode { kSim, kFuse, kAll };
std::optional<RunMode> ParseRunMode(std::string_view text);  // "sim", ...
std::string_view RunModeName(RunMode mode);
inline bool RunsSim(RunMode m) { return m != RunMode::kFuse; }
inline bool RunsFuse(RunMode m) { return m != RunMode::kSim; }

struct SuiteSettings {
  ExploreOptions explore;
  // Where reproducers go ("" = do not write them); paths in the record are
  // this directory joined with the file name.
  std::string repro_dir;
  RunMode mode = RunMode::kSim;
  // fuse mode: sampled crash points per scenario, binaries and timeouts, and
  // an existing directory for the mounts (REQUIRES: set when fuse mode runs).
  uint64_t fuse_sample = 3;
  FuseOptions fuse;
  std::string work_dir;
  // Called after each fuse case (one call at a time), e.g. to print it.
  std::function<void(const FusePlan&, const FuseCase&)> on_fuse_case;
};

struct SuiteResult {
  reports::RunRecord record;  // canonical order; skipped plans are left out
  std::vector<ScenarioPlan> plans;   // sim mode, in input order
  std::vector<FusePlan> fuse_plans;  // fuse mode, in input order
  std::vector<std::string> errors;   // reproducers that could not be written
  // fuse mode could not run or finish a case (mount, daemon, worker): what
  // went wrong, first problem first. Empty when every case ran.
  std::vector<std::string> environment_errors;
};

// `progress` may be null.
SuiteResult RunSuite(const std::vector<Scenario>& scenarios,
                     const SuiteSettings& settings, Progress* progress);

}  // namespace crashlab::harness
