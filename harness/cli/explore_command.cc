// crashlab explore SCENARIO
#include <boost/program_options.hpp>
#include <iomanip>
#include <map>

#include "harness/cli/cli.h"
#include "harness/cli/trace_window.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/sim/explorer.h"

namespace crashlab::harness {
namespace po = boost::program_options;

int ExploreCommand(int argc, const char* const* argv, std::ostream& out,
                   std::ostream& err) {
  po::options_description desc("crashlab explore options");
  std::string file;
  int64_t jobs = 1;
  desc.add_options()("help,h", "show this help")("jobs,j", po::value(&jobs),
                                                 "worker threads (1 to 256)")(
      "as-written",
      "use the scenario's own crash points and modes instead of every op x "
      "drop, prefix, torn, random")("scenario", po::value(&file),
                                    "scenario file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(desc).positional(pos).run(),
        vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    err << "crashlab explore: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << "usage: crashlab explore SCENARIO [--jobs N] [--as-written]\n"
        << desc;
    return kExitOk;
  }
  if (file.empty()) {
    err << "usage: crashlab explore SCENARIO [--jobs N] [--as-written]\n";
    return kExitBadInput;
  }
  if (!InBounds("explore", "jobs", jobs, 1, kMaxJobs, err))
    return kExitBadInput;
  ParseOutcome p = LoadScenario(file);
  if (!p.ok()) {
    err << JoinErrors(p.errors);
    return kExitBadInput;
  }
  Scenario sc = p.scenario;
  if (!vm.count("as-written")) {
    sc.crash_points = CrashPoints{.strategy = CrashPointStrategy::kEveryOp};
    sc.crash_modes = {"drop", "prefix", "torn", "random"};
  }
  ExploreOptions opts;
  opts.jobs = static_cast<unsigned>(jobs);
  std::vector<ScenarioPlan> plans{PlanScenario(sc, opts)};
  if (!plans[0].skipped.empty()) {
    err << "crashlab explore: " << plans[0].skipped << "\n";
    return kExitEnvironment;
  }
  ExplorePlans(&plans, opts, nullptr);
  const ScenarioPlan& plan = plans[0];
  out << "scenario " << sc.name << " (seed " << plan.seed
      << "): " << plan.workload->op_count() << " operations, "
      << plan.points.size() << " crash points, " << plan.cases.size()
      << " cases (point x mode), " << plan.distinct_images
      << " distinct post-crash images, " << plan.recoveries() << " recoveries, "
      << plan.nested_crashes << " nested recovery crashes\n\n";
  out << std::left << std::setw(7) << "op" << std::setw(48) << "operation"
      << std::setw(8) << "states"
      << "outcome\n";
  bool any = false;
  size_t i = 0;
  while (i < plan.cases.size()) {
    uint64_t point = plan.cases[i].point;
    size_t states = 0;
    std::map<std::string, std::vector<std::string>> bad;  // invariant -> modes
    for (; i < plan.cases.size() && plan.cases[i].point == point;
         ++i, ++states) {
      const auto& c = plan.cases[i];
      for (size_t k = 0; k < c.findings.size(); ++k) {
        if (c.findings[k].violated)
          bad[sc.invariants[k]].push_back(c.mode.ToString());
      }
    }
    std::string op = DescribeOp(plan.workload->trace[point]);
    if (op.size() > 46) op = op.substr(0, 43) + "...";
    std::string outcome;
    if (bad.empty()) {
      outcome = "ok";
    } else {
      any = true;
      for (const auto& [id, modes] : bad) {
        outcome +=
            (outcome.empty() ? "" : "; ") + id + " [" + modes.front() +
            (modes.size() > 1 ? " +" + std::to_string(modes.size() - 1) : "") +
            "]";
      }
    }
    out << std::setw(7) << point << std::setw(48) << op << std::setw(8)
        << states << outcome << "\n";
  }
  return any ? kExitViolation : kExitOk;
}

}  // namespace crashlab::harness
