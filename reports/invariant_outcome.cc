#include "reports/invariant_outcome.h"

#include <algorithm>

namespace crashlab::reports {

std::vector<InvariantOutcome> InvariantOutcomes(const ScenarioResult& s) {
  auto expected_violated = [&](const std::string& id) {
    return s.expected.verdict == Verdict::kFail &&
           std::find(s.expected.violated.begin(), s.expected.violated.end(),
                     id) != s.expected.violated.end();
  };
  std::vector<InvariantOutcome> out;
  for (const auto& c : s.invariants) {
    InvariantOutcome o{c.id, InvariantOutcome::Kind::kHeld, c.held, c.violated};
    if (s.verdict == Verdict::kError) {
      o.kind = InvariantOutcome::Kind::kError;
    } else if (expected_violated(c.id)) {
      o.kind = c.violated > 0 ? InvariantOutcome::Kind::kExpectedViolation
                              : InvariantOutcome::Kind::kMissedViolation;
    } else if (c.violated > 0) {
      o.kind = InvariantOutcome::Kind::kViolated;
    }
    out.push_back(o);
  }
  if (s.expected.verdict == Verdict::kFail) {
    for (const auto& id : s.expected.violated) {
      bool counted =
          std::any_of(s.invariants.begin(), s.invariants.end(),
                      [&](const InvariantCount& c) { return c.id == id; });
      if (!counted) {
        out.push_back({id,
                       s.verdict == Verdict::kError
                           ? InvariantOutcome::Kind::kError
                           : InvariantOutcome::Kind::kMissedViolation,
                       0, 0});
      }
    }
  }
  return out;
}

std::vector<const Violation*> ViolationsOf(const RunRecord& record,
                                           const ScenarioResult& s,
                                           const std::string& invariant) {
  std::vector<const Violation*> out;
  for (const auto& v : record.violations) {
    if (v.scenario_file == s.file && v.scenario == s.name && v.mode == s.mode &&
        (invariant.empty() || v.invariant == invariant)) {
      out.push_back(&v);
    }
  }
  return out;
}

}  // namespace crashlab::reports
