// crashlab replay REPRO.json
#include <boost/program_options.hpp>

#include "harness/cli/cli.h"
#include "harness/cli/trace_window.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/sim/explorer.h"
#include "harness/suite/run_record_builder.h"
#include "reports/run_record.h"

namespace crashlab::harness {
namespace po = boost::program_options;

int ReplayCommand(int argc, const char* const* argv, std::ostream& out,
                  std::ostream& err) {
  po::options_description desc("crashlab replay options");
  std::string file;
  uint64_t context = 12;
  desc.add_options()("help,h", "show this help")(
      "context", po::value(&context),
      "operations shown before the crash point (default 12)")(
      "json", "print only the violation as JSON")(
      "reproducer", po::value(&file), "reproducer scenario");
  po::positional_options_description pos;
  pos.add("reproducer", 1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(desc).positional(pos).run(),
        vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    err << "crashlab replay: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (vm.count("help") || file.empty()) {
    (file.empty() && !vm.count("help") ? err : out)
        << "usage: crashlab replay REPRO.json [--context N] [--json]\n";
    return vm.count("help") ? kExitOk : kExitBadInput;
  }
  ParseOutcome p = LoadScenario(file);
  if (!p.ok()) {
    err << JoinErrors(p.errors);
    return kExitBadInput;
  }
  const Scenario& sc = p.scenario;
  if (!sc.reproduce) {
    err << file
        << ": not a reproducer (no \"reproduce\" block); run it with crashlab "
           "run\n";
    return kExitBadInput;
  }
  ExploreOptions opts;
  std::vector<ScenarioPlan> plans{PlanScenario(sc, opts, sc.reproduce)};
  ScenarioPlan& plan = plans[0];
  if (!plan.skipped.empty()) {
    err << "crashlab replay: " << plan.skipped << "\n";
    return kExitEnvironment;
  }
  if (plan.cases.empty()) {
    err << file << ": crash point " << sc.reproduce->crash_point
        << " does not exist: the workload has " << plan.workload->op_count()
        << " operations\n";
    return kExitBadInput;
  }
  ExplorePlans(&plans, opts, nullptr);
  const CaseResult& c = plan.cases[0];
  size_t inv = 0;
  for (size_t k = 0; k < sc.invariants.size(); ++k) {
    if (sc.invariants[k] == sc.reproduce->invariant) inv = k;
  }
  bool violated = inv < c.findings.size() && c.findings[inv].violated;
  if (vm.count("json")) {
    if (violated)
      out << reports::ToJson(ToViolation(plan, c, inv, file)).dump(2) << "\n";
    return violated ? kExitViolation : kExitOk;
  }
  out << "replaying " << sc.name << " (seed " << plan.seed
      << "): crash right after op " << c.point << ", mode " << c.mode.ToString()
      << "\n\n";
  PrintTraceWindow(plan.workload->trace, c.point, context, 3, out);
  out << "\nrecovery: "
      << (c.recovery->threw ? "exception: " + c.recovery->exception
          : c.recovery->ok
              ? "ok (" + std::to_string(c.recovery->dump.kv.size()) +
                    " keys, from " +
                    (c.recovery->result.checkpoint_id.empty()
                         ? std::string("no checkpoint")
                         : c.recovery->result.checkpoint_id) +
                    ")"
              : "failed: " + c.recovery->status)
      << "\n";
  if (!violated) {
    out << "\n"
        << sc.reproduce->invariant
        << " held: the violation did not reproduce\n";
    return kExitOk;
  }
  out << "\nVIOLATED " << sc.invariants[inv] << ": " << c.findings[inv].message
      << "\n\n";
  out << reports::ToJson(ToViolation(plan, c, inv, file)).dump(2) << "\n";
  return kExitViolation;
}

}  // namespace crashlab::harness
