#pragma once
// Runs engine recovery (Engine::Open) on a post-crash simulator state and
// records what it did. The outcome depends only on the image, the scenario
// and the seed, so the explorer caches it by image fingerprint.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/inspect.h"
#include "faultfs/sim_state.h"
#include "faultfs/trace.h"
#include "harness/scenario/scenario.h"

namespace crashlab::harness {

struct RecoveryOutcome {
  bool threw = false;  // an exception escaped the engine
  std::string exception;
  bool ok = false;     // Open returned an engine
  std::string status;  // Open's error when !ok
  engine::RecoveryResult result;
  engine::StateDump dump;            // when ok
  std::vector<std::string> catalog;  // checkpoints() after Open, when ok
  std::vector<std::string> deleted;  // paths recovery unlinked or removed
  std::vector<faultfs::InjectedFault> faults;  // injected during recovery
  std::vector<faultfs::TraceEntry> trace;
  // Independent look at the image recovery started from (when ok).
  bool catalog_present = false;
  bool catalog_ok = false;
  std::string newest_id;                         // newest catalog entry
  std::vector<engine::Problem> newest_problems;  // why it fails verification
  std::vector<std::string> committed_dirs;  // checkpoint dirs with a marker
  // recovery-idempotent: the first nested crash whose second recovery
  // differed, described; nested_states counts the crash states tried.
  std::optional<std::string> idempotence_failure;
  uint64_t nested_states = 0;

  // True if a fault that damages what recovery reads fired.
  bool damaged() const;
};

struct RecoveryRequest {
  const Scenario* scenario = nullptr;
  uint64_t seed = 0;
  bool check_idempotence =
      false;  // crash inside this recovery and recover again
};

// `state`: the post-crash state (nothing pending).
RecoveryOutcome RunRecovery(const RecoveryRequest& req,
                            const faultfs::SimState& state);

// Nested crash points inside a recovery of `ops` operations.
std::vector<uint64_t> NestedCrashPoints(const CrashPoints& cp, uint64_t ops,
                                        uint64_t seed);

}  // namespace crashlab::harness
