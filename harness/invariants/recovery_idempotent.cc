// recovery-idempotent: a crash at any point inside recovery followed by a
// second recovery gives the same result as the uninterrupted recovery (same
// success, state and catalog).
#include "harness/invariants/checkers.h"

namespace crashlab::harness {

Finding CheckRecoveryIdempotent(const CrashCase& c) {
  if (c.recovery->idempotence_failure)
    return Finding::Violated(*c.recovery->idempotence_failure);
  return Finding::Held();
}

}  // namespace crashlab::harness
