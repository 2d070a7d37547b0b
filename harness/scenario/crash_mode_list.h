#pragma once
// Crash-mode specs of a scenario and their expansion at one crash point:
//   drop          the durable state
//   prefix        prefix:K for every K in 1..pending (all pending ops kept)
//   prefix:K      the first K pending ops (K in 1..kMaxCrashModeCount)
//   torn, random  one draw per crash point: torn:S / random:S with S derived
//                 from the scenario seed and the crash point
//   torn:N        N draws per crash point (N in 1..kMaxCrashModeCount), each
//   random:N      with its own derived seed; torn:1 is torn, random:1 random
//   torn@S        the one concrete mode torn:S / random:S at every point
//   random@S      (S in 0..2^63-1): what reproducers store
// With no pending operation every mode leaves the durable state: the point
// then has the single mode "drop". torn needs a pending write.

#include <cstdint>
#include <string>
#include <vector>

#include "faultfs/crash_mode.h"

namespace crashlab::harness {

// Upper bound of prefix:K, torn:N and random:N in a scenario.
constexpr uint64_t kMaxCrashModeCount = 10000;

// "" if `spec` is valid, else what is wrong with it.
std::string CheckCrashModeSpec(const std::string& spec);

// Concrete modes for one crash point, in spec order, without duplicates.
std::vector<faultfs::CrashMode> ExpandCrashModes(
    const std::vector<std::string>& specs, uint64_t pending_ops,
    bool pending_writes, uint64_t seed, uint64_t crash_point);

// The spec that selects exactly `mode` at any point ("drop", "prefix:3",
// "torn@7", "random@42"): what a reproducer writes into crash_modes.
std::string SpecForMode(const faultfs::CrashMode& mode);

// A well-mixed 64-bit value (splitmix64 finaliser), for deriving seeds.
uint64_t MixSeed(uint64_t a, uint64_t b);

}  // namespace crashlab::harness
