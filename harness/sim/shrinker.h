#pragma once
// Shrinking a reproducer: removes workload steps (halves, then smaller
// chunks, then single steps), fault rules and put/delete counts while the
// same invariant is still violated at some crash point, and returns the
// minimal scenario with its new crash point and mode.

#include <cstdint>
#include <optional>
#include <string>

#include "harness/sim/explorer.h"
#include "harness/scenario/scenario.h"

namespace crashlab::harness {

struct ShrinkResult {
  bool reproduced = false;  // the input reproduced at all
  Scenario minimal;         // a reproducer (has `reproduce`)
  size_t steps_before = 0, steps_after = 0;
  size_t faults_before = 0, faults_after = 0;
  uint64_t candidates = 0;  // scenarios tried
};

// The first crash state (point, mode) of `scenario` violating `invariant`,
// exploring every op with the crash modes generalised from `mode_hint`.
std::optional<ReproTarget> FindViolation(const Scenario& scenario,
                                         const std::string& invariant,
                                         const std::string& mode_hint,
                                         const ExploreOptions& opts);

// REQUIRES: reproducer.reproduce is set. `max_candidates` bounds the work.
ShrinkResult Shrink(const Scenario& reproducer, const ExploreOptions& opts,
                    uint64_t max_candidates = 400);

}  // namespace crashlab::harness
