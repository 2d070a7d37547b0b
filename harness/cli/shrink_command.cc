// crashlab shrink REPRO.json
#include <boost/program_options.hpp>
#include <fstream>

#include "harness/cli/cli.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/scenario/scenario_writer.h"
#include "harness/sim/shrinker.h"

namespace crashlab::harness {
namespace po = boost::program_options;

int ShrinkCommand(int argc, const char* const* argv, std::ostream& out,
                  std::ostream& err) {
  po::options_description desc("crashlab shrink options");
  std::string file, out_file;
  unsigned jobs = 1;
  uint64_t max_candidates = 400;
  desc.add_options()("help,h", "show this help")(
      "out,o", po::value(&out_file),
      "where to write the minimal scenario (default: REPRO.min.json)")(
      "jobs,j", po::value(&jobs), "worker threads")(
      "max-candidates", po::value(&max_candidates),
      "scenarios to try at most (default 400)")("reproducer", po::value(&file),
                                                "reproducer scenario");
  po::positional_options_description pos;
  pos.add("reproducer", 1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(desc).positional(pos).run(),
        vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    err << "crashlab shrink: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << "usage: crashlab shrink REPRO.json [--out FILE] [--jobs N]\n"
        << desc;
    return kExitOk;
  }
  if (file.empty()) {
    err << "usage: crashlab shrink REPRO.json [--out FILE] [--jobs N]\n";
    return kExitBadInput;
  }
  ParseOutcome p = LoadScenario(file);
  if (!p.ok()) {
    err << JoinErrors(p.errors);
    return kExitBadInput;
  }
  if (!p.scenario.reproduce) {
    err << file << ": not a reproducer (no \"reproduce\" block)\n";
    return kExitBadInput;
  }
  if (out_file.empty()) {
    out_file = file;
    if (out_file.size() > 5 && out_file.substr(out_file.size() - 5) == ".json")
      out_file.resize(out_file.size() - 5);
    out_file += ".min.json";
  }
  ExploreOptions opts;
  opts.jobs = std::max(1u, jobs);
  ShrinkResult r = Shrink(p.scenario, opts, max_candidates);
  if (!r.reproduced) {
    err << file << ": " << p.scenario.reproduce->invariant
        << " is not violated at any crash point: nothing to shrink\n";
    return kExitOk;
  }
  std::ofstream f(out_file, std::ios::binary | std::ios::trunc);
  f << WriteScenario(r.minimal);
  if (!f) {
    err << "crashlab shrink: cannot write " << out_file << "\n";
    return kExitEnvironment;
  }
  out << "shrunk " << file << ": " << r.steps_before << " -> " << r.steps_after
      << " steps, " << r.faults_before << " -> " << r.faults_after
      << " fault rules (" << r.candidates << " candidates tried)\n"
      << r.minimal.reproduce->invariant << " violated at op "
      << r.minimal.reproduce->crash_point << " ("
      << r.minimal.reproduce->crash_mode << ")\nwrote " << out_file
      << "\nreproduce: crashlab replay " << out_file << "\n";
  return kExitViolation;
}

}  // namespace crashlab::harness
