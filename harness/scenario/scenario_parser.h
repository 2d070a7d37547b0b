#pragma once
// Reads scenario files: JSON syntax, the shape described by
// scenarios/scenario.schema.json, and the semantics the schema cannot say
// (known unsafe modes, valid fault rules and crash modes, no engine step
// between a crash and the next recover, expected invariants among the
// checked ones). Every problem is an InputError with file, line, column and
// the field's JSON pointer; all problems of a file are reported, not only
// the first.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "harness/common/input_error.h"
#include "harness/scenario/scenario.h"

namespace crashlab::harness {

struct ParseOutcome {
  Scenario scenario;  // meaningful only when errors is empty
  std::vector<InputError> errors;
  bool ok() const { return errors.empty(); }
};

// Parses `text`; `file` names it in errors and becomes Scenario::file.
ParseOutcome ParseScenario(std::string_view text, const std::string& file);
// Reads and parses a file (an unreadable file is one error at line 0).
ParseOutcome LoadScenario(const std::string& path);

}  // namespace crashlab::harness
