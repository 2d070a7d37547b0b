#pragma once
// Finding scenario files on the command line: files as given, directories
// searched recursively for *.json (schemas, *.schema.json, excluded), sorted.

#include <string>
#include <vector>

#include "harness/common/input_error.h"
#include "harness/scenario/scenario.h"

namespace crashlab::harness {

// Errors for paths that do not exist.
std::vector<std::string> CollectScenarioFiles(
    const std::vector<std::string>& paths, std::vector<InputError>* errors);

// Loads and validates every file; all errors are appended.
std::vector<Scenario> LoadScenarios(const std::vector<std::string>& files,
                                    std::vector<InputError>* errors);

// What `crashlab run` runs without a PATH: ./scenarios when it exists (a
// source checkout), else the installed suite, BINDIR/../share/crashlab/
// scenarios next to this executable, when that exists; else "scenarios" (so
// the error names it).
std::string DefaultScenarioPath();

// fnmatch(3) of `glob` against the scenario's name or its file path.
bool MatchesFilter(const Scenario& scenario, const std::string& glob);

}  // namespace crashlab::harness
