// missing-state-detected: recovery never succeeds silently on missing or
// damaged state: a lost or unreadable catalog next to committed checkpoints,
// or a newest checkpoint that fails verification, must make it fail with a
// named problem (or fall back explicitly); and after damage it must not
// load a state that matches no prefix of the issued operations (of this
// session or an earlier one) unannounced.
//
// "Unreadable" and "fails verification" are the harness's own view of the
// post-crash image (written_files.h): the catalog must hold content the
// workload wrote to it, and the newest checkpoint's directory, manifest,
// marker and state files the content last written to them — never the
// engine's own verifier or catalog parser, which recovery uses too.
#include "harness/invariants/checkers.h"
#include "harness/workload/written_files.h"

namespace crashlab::harness {

Finding CheckMissingStateDetected(const CrashCase& c) {
  const RecoveryOutcome& r = *c.recovery;
  if (r.threw || !r.ok) return Finding::Held();
  if (c.run && c.post) {
    CatalogView cat = ViewCatalog(*c.post, c.run->written, c.crash_point);
    std::vector<std::string> committed = CommittedDirs(*c.post);
    if (!cat.present && !committed.empty()) {
      return Finding::Violated(
          "the catalog is missing while committed checkpoint directories "
          "exist (" +
          committed.front() + ", ...), yet recovery started " +
          (r.result.checkpoint_id.empty() ? "empty"
                                          : "from " + r.result.checkpoint_id) +
          " instead of failing with catalog-missing");
    }
    if (cat.present && !cat.readable) {
      return Finding::Violated("the catalog is unreadable (" +
                               cat.why_unreadable +
                               "), yet recovery succeeded");
    }
    if (cat.readable && !cat.ids.empty()) {
      const std::string& newest = cat.ids.back();
      std::string why =
          CheckpointProblem(*c.post, c.run->written, c.crash_point, newest);
      if (!why.empty()) {
        if (r.result.checkpoint_id == newest) {
          return Finding::Violated("recovery loaded checkpoint " + newest +
                                   " although it fails verification: " + why);
        }
        if (!r.result.fallback_used) {
          return Finding::Violated(
              "checkpoint " + newest + " fails verification (" + why +
              ") and recovery silently used " +
              (r.result.checkpoint_id.empty() ? "no checkpoint"
                                              : r.result.checkpoint_id) +
              " without reporting a fallback");
        }
      }
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
