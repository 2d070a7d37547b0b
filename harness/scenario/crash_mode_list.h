#pragma once
// Crash-mode specs of a scenario ("drop", "prefix", "prefix:3", "torn",
// "torn:7", "random", "random:42") and their expansion at one crash point:
//   prefix        prefix:K for every K in 1..pending (all pending ops kept)
//   torn, random  torn:S / random:S with S derived from the scenario seed and
//                 the crash point, so every point gets its own draw
// With no pending operation every mode leaves the durable state: the point
// then has the single mode "drop".

#include <cstdint>
#include <string>
#include <vector>

#include "faultfs/crash_mode.h"

namespace crashlab::harness {

// "" if `spec` is valid, else what is wrong with it.
std::string CheckCrashModeSpec(const std::string& spec);

// Concrete modes for one crash point, in spec order, without duplicates.
std::vector<faultfs::CrashMode> ExpandCrashModes(
    const std::vector<std::string>& specs, uint64_t pending_ops,
    bool pending_writes, uint64_t seed, uint64_t crash_point);

// A well-mixed 64-bit value (splitmix64 finaliser), for deriving seeds.
uint64_t MixSeed(uint64_t a, uint64_t b);

}  // namespace crashlab::harness
