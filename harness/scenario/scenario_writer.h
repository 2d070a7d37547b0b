#pragma once
// Writes a Scenario back as a scenario file (reproducers, shrunk scenarios).
// ParseScenario(WriteScenario(s)) == s apart from `file`.

#include <nlohmann/json.hpp>
#include <string>

#include "harness/scenario/scenario.h"

namespace crashlab::harness {

nlohmann::ordered_json ScenarioToJson(const Scenario& scenario);
// Two-space indented JSON with a trailing newline.
std::string WriteScenario(const Scenario& scenario);

}  // namespace crashlab::harness
