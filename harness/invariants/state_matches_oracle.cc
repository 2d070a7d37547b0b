// state-matches-oracle: after a crash that damaged nothing, the recovered
// state equals the model after some prefix of the issued operations that
// contains every acknowledged one.
#include "harness/invariants/checkers.h"

namespace crashlab::harness {

Finding CheckStateMatchesOracle(const CrashCase& c) {
  if (!c.damage.empty()) return Finding::Held();
  const RecoveryOutcome& r = *c.recovery;
  if (r.threw || !r.ok)
    return Finding::Held();  // errors-not-crashes / acknowledged-durable
  if (MatchingPrefix(c.view, r.dump, c.view.acked, c.view.issued))
    return Finding::Held();
  auto below = MatchingPrefix(c.view, r.dump, 0, c.view.acked);
  std::string detail =
      below ? "it equals the model after " + std::to_string(*below) +
                  " operations, fewer than the " +
                  std::to_string(c.view.acked) + " acknowledged"
            : "it equals the model after no prefix of the " +
                  std::to_string(c.view.issued) + " issued operations";
  if (c.view.session && !c.view.session->base_note.empty())
    detail += " (" + c.view.session->base_note + ")";
  return Finding::Violated("recovered state (" +
                           std::to_string(r.dump.kv.size()) +
                           " keys) does not match the oracle: " + detail);
}

}  // namespace crashlab::harness
