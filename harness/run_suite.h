#pragma once
// Runs scenarios in sim mode and builds the run record: the library behind
// `crashlab run`, also used directly by tests.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/explorer.h"
#include "harness/scenario.h"
#include "reports/run_record.h"

namespace crashlab::harness {

struct SuiteSettings {
  ExploreOptions explore;
  // Where reproducers go ("" = do not write them); paths in the record are
  // this directory joined with the file name.
  std::string repro_dir;
};

struct SuiteResult {
  reports::RunRecord record;       // canonical order; skipped plans are left out
  std::vector<ScenarioPlan> plans;  // in input order
  std::vector<std::string> errors;  // reproducers that could not be written
};

// `progress` may be null.
SuiteResult RunSuite(const std::vector<Scenario>& scenarios, const SuiteSettings& settings,
                     Progress* progress);

}  // namespace crashlab::harness
