#pragma once
// The outcome of one invariant of one scenario, as a CI test case sees it:
// what JUnit calls a test case, and what the HTML and Markdown summaries
// count. An invariant the scenario expects to be violated passes when it is
// violated (the harness caught the unsafe mode) and fails when it held.

#include <string>
#include <vector>

#include "reports/run_record.h"

namespace crashlab::reports {

struct InvariantOutcome {
  enum class Kind {
    kHeld,
    kExpectedViolation,
    kViolated,
    kMissedViolation,
    kError
  };
  std::string id;
  Kind kind = Kind::kHeld;
  uint64_t held = 0;
  uint64_t violated = 0;
  bool failed() const {
    return kind == Kind::kViolated || kind == Kind::kMissedViolation;
  }
};

// One outcome per invariant counted in `s`, plus any invariant `s` expects to
// be violated but did not count, in that order.
std::vector<InvariantOutcome> InvariantOutcomes(const ScenarioResult& s);

// The violations of `record` that belong to scenario `s` (and invariant
// `invariant`, if not empty), in record order.
std::vector<const Violation*> ViolationsOf(const RunRecord& record,
                                           const ScenarioResult& s,
                                           const std::string& invariant = {});

}  // namespace crashlab::reports
