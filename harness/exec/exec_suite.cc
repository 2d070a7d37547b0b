#include "harness/exec/exec_suite.h"

#include <algorithm>

#include "harness/exec/exec_record.h"
#include "reports/canonical.h"

namespace crashlab::harness {
size_t CountExecScenarios(const std::vector<Scenario>& scenarios) {
  return static_cast<size_t>(
      std::count_if(scenarios.begin(), scenarios.end(),
                    [](const Scenario& s) { return s.has_exec(); }));
}

ExecSuiteResult RunExecSuite(const std::vector<Scenario>& scenarios,
                             const ExecOptions& options,
                             const std::string& repro_dir,
                             reports::RunRecord* record, std::ostream* live) {
  ExecSuiteResult out;
  for (const auto& sc : scenarios) {
    if (!sc.has_exec()) continue;
    ExecOptions o = options;
    if (live) {
      o.on_run = [&](const std::string& line) {
        *live << "exec   " << sc.name << " " << line << "\n";
        live->flush();
      };
    }
    ExecResult r = RunExecScenario(sc, o);
    if (r.environment_error)
      out.environment_errors.push_back(sc.name + ": " + r.error);
    AddExecResult(r, repro_dir, record, &out.errors);
    record->run.duration_seconds += r.seconds;
    out.results.push_back(std::move(r));
  }
  if (!out.results.empty() &&
      std::find(record->run.modes.begin(), record->run.modes.end(), "exec") ==
          record->run.modes.end()) {
    record->run.modes.push_back("exec");
    std::sort(record->run.modes.begin(), record->run.modes.end());
  }
  reports::Canonicalize(record);
  return out;
}

}  // namespace crashlab::harness
