#include "harness/invariants/crash_case.h"

namespace crashlab::harness {

std::optional<size_t> MatchingPrefix(const OracleView& view,
                                     const engine::StateDump& dump, size_t lo,
                                     size_t hi) {
  uint64_t h = HashDump(dump);
  for (size_t j = lo; j <= hi; ++j) {
    if (view.HashAt(j) == h && view.ModelAt(j) == dump) return j;
  }
  return std::nullopt;
}

bool MatchesAnyIssuedPrefix(const OracleView& view,
                            const engine::StateDump& dump) {
  if (MatchingPrefix(view, dump, 0, view.issued)) return true;
  uint64_t h = HashDump(dump);
  for (const Session* ses : view.earlier) {
    for (size_t j = 0; j <= ses->ops.size(); ++j) {
      bool maybe =
          j < ses->prefix_hash.size() ? ses->prefix_hash[j] == h : true;
      if (maybe && ModelAfter(*ses, j) == dump) return true;
    }
  }
  return false;
}

bool ReportedProblem(const engine::RecoveryResult& r) {
  for (const auto& p : r.problems) {
    if (p.code != "wal-torn-tail" && p.code != "startup-gc-skipped")
      return true;
  }
  return false;
}

}  // namespace crashlab::harness
