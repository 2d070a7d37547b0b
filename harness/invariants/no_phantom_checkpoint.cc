// no-phantom-checkpoint: a checkpoint the caller was shown by checkpoints()
// after its commit reported failure must either be found by recovery or
// never have been listed. (Acknowledged checkpoints are
// acknowledged-durable's.)
#include <algorithm>

#include "harness/invariants/checkers.h"

namespace crashlab::harness {

Finding CheckNoPhantomCheckpoint(const CrashCase& c) {
  const RecoveryOutcome& r = *c.recovery;
  if (r.threw || !r.ok) return Finding::Held();
  for (const auto& id : c.view.listed) {
    if (c.view.acked_checkpoints.count(id)) continue;
    if (std::find(c.view.listed_next.begin(), c.view.listed_next.end(), id) ==
        c.view.listed_next.end()) {
      continue;  // being removed by the call in progress
    }
    if (std::find(r.catalog.begin(), r.catalog.end(), id) == r.catalog.end()) {
      return Finding::Violated(
          "checkpoint " + id +
          " was listed by checkpoints() although its commit failed, and "
          "recovery does not know it (phantom checkpoint)");
    }
  }
  return Finding::Held();
}

}  // namespace crashlab::harness
