#include "harness/invariants/checkers.h"

#include <cassert>

#include "harness/scenario/invariant_ids.h"

namespace crashlab::harness {

Finding CheckInvariant(std::string_view id, const CrashCase& c) {
  assert(IsInvariantId(id));
  if (id == kNoPhantomCheckpoint) return CheckNoPhantomCheckpoint(c);
  if (id == kNoOrphanDeletion) return CheckNoOrphanDeletion(c);
  if (id == kMissingStateDetected) return CheckMissingStateDetected(c);
  if (id == kAcknowledgedDurable) return CheckAcknowledgedDurable(c);
  if (id == kStateMatchesOracle) return CheckStateMatchesOracle(c);
  if (id == kRecoveryIdempotent) return CheckRecoveryIdempotent(c);
  if (id == kErrorsNotCrashes) return CheckErrorsNotCrashes(c);
  return Finding::Violated("unknown invariant '" + std::string(id) + "'");
}

}  // namespace crashlab::harness
