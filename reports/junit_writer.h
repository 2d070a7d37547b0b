#pragma once
// junit.xml: one <testsuite> per scenario file, one <testcase> per scenario x
// invariant (named "SCENARIO [MODE] INVARIANT", classname = the scenario
// file). A violated invariant is a <failure> whose message is the first
// violation's message plus its reproduce command; the body lists up to
// kJunitMaxListed violations. A scenario that could not run gives <error>.
// Valid against tests/reports/junit.xsd (the Ant/Jenkins JUnit format).

#include <string>

#include "reports/run_record.h"

namespace crashlab::reports {

inline constexpr size_t kJunitMaxListed = 20;

std::string RenderJunit(const RunRecord& record);

}  // namespace crashlab::reports
