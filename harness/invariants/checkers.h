#pragma once
// The invariant checkers, one per file; how each is decided:
// docs/design.md, "Invariants".

#include <string_view>

#include "harness/invariants/crash_case.h"

namespace crashlab::harness {

Finding CheckNoPhantomCheckpoint(const CrashCase& c);
Finding CheckNoOrphanDeletion(const CrashCase& c);
Finding CheckMissingStateDetected(const CrashCase& c);
Finding CheckAcknowledgedDurable(const CrashCase& c);
Finding CheckStateMatchesOracle(const CrashCase& c);
Finding CheckRecoveryIdempotent(const CrashCase& c);
Finding CheckErrorsNotCrashes(const CrashCase& c);

// Dispatches on an invariant id. REQUIRES: IsInvariantId(id).
Finding CheckInvariant(std::string_view id, const CrashCase& c);

}  // namespace crashlab::harness
