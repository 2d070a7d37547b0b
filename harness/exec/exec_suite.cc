#include "harness/exec/exec_suite.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "harness/exec/exec_record.h"
#include "reports/canonical.h"

namespace crashlab::harness {
namespace {

std::string Seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << "s";
  return o.str();
}

}  // namespace

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

void PrintExecSuite(const ExecSuiteResult& suite,
                    const reports::RunRecord& record, std::ostream& out) {
  for (const auto& r : suite.results) {
    const reports::ScenarioResult* sr = nullptr;
    for (const auto& s : record.scenarios) {
      if (s.mode == "exec" && s.file == r.scenario.file &&
          s.name == r.scenario.name)
        sr = &s;
    }
    if (!sr) continue;
    std::string tag = reports::VerdictTag(*sr, record.run.shard);
    size_t points = r.runs.size() > 0 ? r.runs.size() - 1 : 0;
    out << std::left << std::setw(7) << tag << r.scenario.name
        << "  (exec, seed " << r.seed << ", " << r.runs.size()
        << " run(s): as written"
        << (points ? " + " + std::to_string(points) + " crash point(s)" : "")
        << ", " << Seconds(r.seconds) << ")";
    if (!sr->error.empty()) out << ": " << sr->error;
    out << "\n";
    for (const auto& ic : sr->invariants) {
      bool expected =
          std::find(sr->expected.violated.begin(), sr->expected.violated.end(),
                    ic.id) != sr->expected.violated.end();
      if (ic.violated > 0 || expected) {
        out << "         " << ic.id << ": violated in " << ic.violated << " of "
            << (ic.held + ic.violated) << " run(s)"
            << (expected ? " (expected)" : " (UNEXPECTED)") << "\n";
      }
    }
    std::set<std::string> shown;  // the first violation of each invariant
    for (const auto& v : record.violations) {
      if (v.mode != "exec" || v.scenario_file != r.scenario.file ||
          v.scenario != r.scenario.name || !shown.insert(v.invariant).second) {
        continue;
      }
      out << "         " << v.invariant << ": " << v.message << "\n";
      if (!v.reproducer.empty())
        out << "         reproduce: " << v.reproduce_command << "\n";
    }
    for (const auto& run : r.runs) {
      for (const auto& n : run.notes)
        out << "         note (" << run.label << "): " << n << "\n";
    }
  }
}

}  // namespace crashlab::harness
