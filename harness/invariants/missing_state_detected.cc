// missing-state-detected: recovery never succeeds silently on missing or
// damaged state: a lost or corrupt catalog next to committed checkpoints, or
// a newest checkpoint that fails verification, must make it fail with a
// named problem (or fall back explicitly); and after damage it must not
// load a state that matches no prefix of the issued operations (of this
// session or an earlier one) unannounced.
#include "harness/invariants/checkers.h"

namespace crashlab::harness {

Finding CheckMissingStateDetected(const CrashCase& c) {
  const RecoveryOutcome& r = *c.recovery;
  if (r.threw || !r.ok) return Finding::Held();
  if (!r.catalog_present && !r.committed_dirs.empty()) {
    return Finding::Violated(
        "the catalog is missing while committed checkpoint directories exist "
        "(" +
        r.committed_dirs.front() + ", ...), yet recovery started " +
        (r.result.checkpoint_id.empty() ? "empty"
                                        : "from " + r.result.checkpoint_id) +
        " instead of failing with catalog-missing");
  }
  if (r.catalog_present && !r.catalog_ok) {
    return Finding::Violated(
        "the catalog is unreadable, yet recovery succeeded");
  }
  if (!r.newest_problems.empty()) {
    std::string why = r.newest_problems.front().ToString();
    if (r.result.checkpoint_id == r.newest_id) {
      return Finding::Violated("recovery loaded checkpoint " + r.newest_id +
                               " although it fails verification: " + why);
    }
    if (!r.result.fallback_used) {
      return Finding::Violated(
          "checkpoint " + r.newest_id + " fails verification (" + why +
          ") and recovery silently used " +
          (r.result.checkpoint_id.empty() ? "no checkpoint"
                                          : r.result.checkpoint_id) +
          " without reporting a fallback");
    }
  }
  // Damage may destroy data that was durable, including what an earlier
  // Open recovered and served as the base of a later session, so the
  // prefixes of earlier sessions count too. The check is for invented state
  // (garbage, a mix no sequence of issued operations produces).
  if (!c.damage.empty() && !ReportedProblem(r.result) &&
      !MatchesAnyIssuedPrefix(c.view, r.dump)) {
    return Finding::Violated(
        "after " + c.damage +
        ", recovery reported no problem but loaded a state that matches "
        "no prefix of the issued operations");
  }
  return Finding::Held();
}

}  // namespace crashlab::harness
