#include "harness/suite/result_printer.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>
#include <vector>

#include "harness/fuse/fuse_agreement.h"

namespace crashlab::harness {
namespace {

constexpr const char* kIndent = "         ";

// What a caller adds to the record's result of one scenario.
struct ResultLines {
  std::string name;
  std::string ran;  // inside the parentheses after the name
  std::vector<std::string> header_notes;    // right after the verdict line
  std::vector<std::string> trailing_notes;  // after the violations
};

const reports::ScenarioResult* FindResult(const reports::RunRecord& record,
                                          const std::string& mode,
                                          const Scenario& scenario) {
  const reports::ScenarioResult* found = nullptr;
  for (const auto& s : record.scenarios) {
    if (s.mode == mode && s.file == scenario.file && s.name == scenario.name)
      found = &s;
  }
  return found;
}

// What one invariant count is over: crash states (sim), crash points (fuse)
// or runs (exec).
const char* CountUnit(const std::string& mode) {
  if (mode == "fuse") return "crash points";
  if (mode == "exec") return "run(s)";
  return "states";
}

std::string ViolationLine(const reports::Violation& v) {
  if (v.mode == "exec") return v.invariant + ": " + v.message;
  std::string where = " @ op " + std::to_string(v.crash_point) + " (" +
                      (v.mode == "fuse" ? "fuse" : v.crash_mode) + "): ";
  std::string msg = v.message;
  if (v.mode == "fuse" && v.invariant != kSimFuseAgreement &&
      msg.size() > 300) {
    msg = msg.substr(0, 300) + "...";
  }
  return v.invariant + where + msg;
}

void PrintScenarioResult(const reports::ScenarioResult& sr,
                         const reports::RunRecord& record,
                         const ResultLines& lines, std::ostream& out) {
  out << std::left << std::setw(7) << reports::VerdictTag(sr, record.run.shard)
      << lines.name << "  (" << lines.ran << ")";
  if (!sr.error.empty()) out << ": " << sr.error;
  out << "\n";
  for (const auto& note : lines.header_notes) out << kIndent << note << "\n";
  // exec mode lists the invariants of a scenario that ended in an error too
  // (its runs before the error count).
  if (sr.error.empty() || sr.mode == "exec") {
    for (const auto& ic : sr.invariants) {
      bool expected =
          std::find(sr.expected.violated.begin(), sr.expected.violated.end(),
                    ic.id) != sr.expected.violated.end();
      if (ic.violated > 0 || expected) {
        out << kIndent << ic.id << ": violated in " << ic.violated << " of "
            << (ic.held + ic.violated) << " " << CountUnit(sr.mode)
            << (expected ? " (expected)" : " (UNEXPECTED)") << "\n";
      }
    }
  }
  std::set<std::string> shown;  // the first violation of each invariant
  for (const auto& v : record.violations) {
    if (v.mode != sr.mode || v.scenario_file != sr.file ||
        v.scenario != sr.name || !shown.insert(v.invariant).second) {
      continue;
    }
    out << kIndent << ViolationLine(v) << "\n";
    if (!v.reproducer.empty())
      out << kIndent << "reproduce: " << v.reproduce_command << "\n";
  }
  for (const auto& note : lines.trailing_notes) out << kIndent << note << "\n";
}

void PrintSkip(const std::string& name, const std::string& mode_suffix,
               const std::string& why, std::ostream& out) {
  out << std::left << std::setw(7) << "SKIP" << name << mode_suffix << ": "
      << why << "\n";
}

}  // namespace

std::string Seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << "s";
  return o.str();
}

void PrintSimResults(const SuiteResult& suite, bool exec_ran,
                     std::ostream& out) {
  for (const auto& plan : suite.plans) {
    if (!plan.skipped.empty()) {
      if (exec_ran && plan.scenario.has_exec()) continue;  // exec mode ran it
      PrintSkip(plan.scenario.name, "", plan.skipped, out);
      continue;
    }
    const auto* sr = FindResult(suite.record, "sim", plan.scenario);
    if (!sr) continue;
    ResultLines lines{.name = plan.scenario.name};
    lines.ran = "seed " + std::to_string(plan.seed) + ", " +
                std::to_string(sr->crash_points.size()) + " points, " +
                std::to_string(sr->crash_states) + " cases, " +
                std::to_string(sr->distinct_images) + " images, " +
                std::to_string(sr->recoveries) + " recoveries, " +
                Seconds(sr->duration_seconds);
    if (plan.workload) {
      for (const auto& note : plan.workload->notes)
        lines.header_notes.push_back("note: " + note);
    }
    PrintScenarioResult(*sr, suite.record, lines, out);
  }
}

void PrintFuseResults(const SuiteResult& suite, std::ostream& out) {
  for (const auto& plan : suite.fuse_plans) {
    if (!plan.skipped.empty()) {
      if (plan.scenario.has_exec()) continue;  // exec mode ran it
      PrintSkip(plan.scenario.name, " (fuse)", plan.skipped, out);
      continue;
    }
    const auto* sr = FindResult(suite.record, "fuse", plan.scenario);
    if (!sr) continue;
    size_t sampled = plan.cases.size() - plan.targeted.size();
    std::ostringstream ran;
    ran << "fuse, seed " << plan.seed << ", " << plan.cases.size() << " of "
        << plan.ref.points.size() << " points: ";
    if (plan.scenario.crash_points.strategy == CrashPointStrategy::kList) {
      ran << "the scenario's list";
    } else {
      ran << sampled << " sampled (sample seed " << plan.sample_seed << ") + "
          << plan.targeted.size() << " targeted";
    }
    uint64_t agree = 0;
    for (const auto& c : plan.cases)
      agree += c.done && c.error.empty() && c.agrees() ? 1 : 0;
    ran << ", " << agree << " agree with sim, "
        << Seconds(sr->duration_seconds);
    PrintScenarioResult(
        *sr, suite.record,
        ResultLines{.name = plan.scenario.name, .ran = ran.str()}, out);
  }
}

void PrintExecResults(const ExecSuiteResult& exec,
                      const reports::RunRecord& record, std::ostream& out) {
  for (const auto& r : exec.results) {
    const auto* sr = FindResult(record, "exec", r.scenario);
    if (!sr) continue;
    size_t points = r.runs.size() > 0 ? r.runs.size() - 1 : 0;
    ResultLines lines{.name = r.scenario.name};
    lines.ran =
        "exec, seed " + std::to_string(r.seed) + ", " +
        std::to_string(r.runs.size()) + " run(s): as written" +
        (points ? " + " + std::to_string(points) + " crash point(s)" : "") +
        ", " + Seconds(r.seconds);
    for (const auto& run : r.runs) {
      for (const auto& n : run.notes)
        lines.trailing_notes.push_back("note (" + run.label + "): " + n);
    }
    PrintScenarioResult(*sr, record, lines, out);
  }
}

}  // namespace crashlab::harness
