// crashlab worker workload|recover ... (internal: the engine process of fuse
// mode; the protocol is in worker_protocol.h). Not listed in `crashlab --help`.
#include <boost/program_options.hpp>
#include <iostream>

#include "harness/cli/cli.h"
#include "harness/fuse/fuse_worker.h"
#include "harness/fuse/worker_protocol.h"
#include "harness/scenario/scenario_parser.h"

namespace crashlab::harness {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: crashlab worker workload --scenario FILE --seed S --root MOUNT "
    "--control SOCK [--stop-after P]\n"
    "       crashlab worker recover  --scenario FILE --seed S --root MOUNT "
    "--control SOCK\n"
    "internal: the engine process of `crashlab run --mode fuse` (JSON lines on "
    "stdout,\n"
    "see harness/worker_protocol.h)\n";

int Usage(std::ostream& out, std::ostream& err, const std::string& message) {
  out << ErrorEventLine(message) << '\n' << std::flush;
  err << "crashlab worker: " << message << "\n" << kUsage;
  return kExitBadInput;
}

}  // namespace

int WorkerCommand(int argc, const char* const* argv, std::ostream& out,
                  std::ostream& err) {
  if (argc < 2) return Usage(out, err, "expected `workload` or `recover`");
  std::string kind = argv[1];
  if (kind == "-h" || kind == "--help") {
    out << kUsage;
    return kExitOk;
  }
  WorkerArgs args;
  if (kind == "workload") {
    args.kind = WorkerArgs::Kind::kWorkload;
  } else if (kind == "recover") {
    args.kind = WorkerArgs::Kind::kRecover;
  } else {
    return Usage(
        out, err,
        "unknown worker kind '" + kind + "' (expected workload or recover)");
  }
  po::options_description desc("crashlab worker options");
  uint64_t stop_after = 0;
  desc.add_options()("scenario", po::value(&args.scenario_file)->required(),
                     "scenario file")("seed", po::value(&args.seed)->required(),
                                      "the effective scenario seed")(
      "root", po::value(&args.root)->required(), "the faultfs mount")(
      "control", po::value(&args.control)->required(),
      "the daemon's control socket")(
      "stop-after", po::value(&stop_after),
      "workload: block right after this operation");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(desc).run(),
              vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    return Usage(out, err, e.what());
  }
  if (vm.count("stop-after")) {
    if (args.kind != WorkerArgs::Kind::kWorkload)
      return Usage(out, err, "--stop-after is for `workload` only");
    args.stop_after = stop_after;
  }
  ParseOutcome p = LoadScenario(args.scenario_file);
  if (!p.ok()) return Usage(out, err, JoinErrors(p.errors));
  const Scenario& sc = p.scenario;
  if (std::find(sc.modes.begin(), sc.modes.end(), "fuse") == sc.modes.end()) {
    return Usage(
        out, err,
        args.scenario_file + ": the scenario's modes do not include fuse");
  }
  if (args.kind == WorkerArgs::Kind::kWorkload)
    return RunWorkloadWorker(sc, args, out, std::cin, err);
  return RunRecoverWorker(sc, args, out, err);
}

}  // namespace crashlab::harness
