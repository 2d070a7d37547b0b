// crashlab fuzz --time DURATION --seed S [--unsafe MODE] [--out DIR]
#include <boost/program_options.hpp>
#include <iomanip>
#include <random>
#include <sstream>

#include "engine/unsafe_mode.h"
#include "harness/cli/cli.h"
#include "harness/fuzz/fuzz.h"
#include "harness/sim/explorer.h"

namespace crashlab::harness {
namespace po = boost::program_options;

namespace {

// "90", "90s", "1.5m", "500ms", "1h" -> seconds; nullopt if malformed.
std::optional<double> ParseDuration(const std::string& s) {
  size_t end = 0;
  double v = 0;
  try {
    v = std::stod(s, &end);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = s.substr(end);
  if (v < 0) return std::nullopt;
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  if (unit == "m" || unit == "min") return v * 60;
  if (unit == "h") return v * 3600;
  return std::nullopt;
}

}  // namespace

int FuzzCommand(int argc, const char* const* argv, std::ostream& out,
                std::ostream& err) {
  po::options_description desc("crashlab fuzz options");
  std::string time = "60s", out_dir = "crashlab-fuzz";
  std::vector<std::string> unsafe;
  uint64_t seed = 0;
  int64_t max_scenarios = 0, shrink = 200;
  int64_t jobs = 1;
  desc.add_options()("help,h", "show this help")(
      "time,t", po::value(&time),
      "time budget: 90, 90s, 2m, 500ms, 1h (default 60s; more than 0, at "
      "most 7 days)")(
      "seed,s", po::value(&seed),
      "run seed; every generated scenario derives from it (default: random, "
      "printed)")("unsafe,u", po::value(&unsafe)->composing(),
                  "enable this engine unsafe mode (repeatable)")(
      "out,o", po::value(&out_dir),
      "where reproducers go (default crashlab-fuzz)")(
      "jobs,j", po::value(&jobs),
      "worker threads for exploring each scenario (1 to 256)")(
      "max-scenarios", po::value(&max_scenarios),
      "stop after this many scenarios (0 = only the time limit; at most "
      "10^9)")("shrink-candidates", po::value(&shrink),
               "scenarios the shrinker may try (default 200; 0 to 10^9)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    err << "crashlab fuzz: " << e.what() << "\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << "usage: crashlab fuzz [--time DURATION] [--seed S] [--unsafe MODE] "
           "[--out DIR]\n"
           "Generates random workloads and fault schedules, explores every "
           "crash point of each\n"
           "in sim mode, and shrinks the first violation into a reproducer in "
           "DIR.\n"
           "Exit 0: nothing found; 1: a violation (reproducer written); 2: bad "
           "usage.\n\n"
        << desc;
    return kExitOk;
  }
  auto secs = ParseDuration(time);
  if (!secs) {
    err << "crashlab fuzz: --time '" << time
        << "': expected a duration like 60s, 2m, 500ms\n";
    return kExitBadInput;
  }
  if (!(*secs > 0 && *secs <= kMaxFuzzSeconds)) {
    err << "crashlab fuzz: --time '" << time
        << "' must be more than 0 and at most 7 days\n";
    return kExitBadInput;
  }
  if (!InBounds("fuzz", "jobs", jobs, 1, kMaxJobs, err) ||
      !InBounds("fuzz", "max-scenarios", max_scenarios, 0, kMaxCount, err) ||
      !InBounds("fuzz", "shrink-candidates", shrink, 0, kMaxCount, err))
    return kExitBadInput;
  for (const auto& u : unsafe) {
    if (!engine::UnsafeModeFromName(u)) {
      std::string known;
      for (auto m : engine::AllUnsafeModes())
        known += (known.empty() ? "" : ", ") +
                 std::string(engine::UnsafeModeName(m));
      err << "crashlab fuzz: unknown unsafe mode '" << u
          << "' (known: " << known << ")\n";
      return kExitBadInput;
    }
  }
  if (!vm.count("seed")) seed = std::random_device{}() % 1000000;
  FuzzOptions fo{.seconds = *secs,
                 .seed = seed,
                 .unsafe = unsafe,
                 .out_dir = out_dir,
                 .jobs = static_cast<unsigned>(jobs),
                 .max_scenarios = static_cast<uint64_t>(max_scenarios),
                 .shrink_candidates = static_cast<uint64_t>(shrink)};
  out << "crashlab fuzz: seed " << seed << ", time " << *secs << " s"
      << (unsafe.empty()
              ? std::string(", safe engine")
              : ", unsafe " + unsafe[0] + (unsafe.size() > 1 ? " ..." : ""))
      << "\n"
      << std::flush;
  double last = 0;
  auto progress = [&](const FuzzStats& s) {
    if (s.seconds - last < 5) return;
    last = s.seconds;
    out << "  " << std::fixed << std::setprecision(0) << s.seconds
        << " s: " << s.scenarios << " scenarios, " << s.crash_states
        << " cases, " << s.recoveries << " recoveries (" << std::setprecision(0)
        << s.recoveries / std::max(s.seconds, 1e-9) << " recoveries/s)\n"
        << std::flush;
  };
  FuzzResult r = RunFuzz(fo, progress);
  out << std::fixed << std::setprecision(2) << "tried " << r.stats.scenarios
      << " scenarios, " << r.stats.crash_states << " cases (point x mode), "
      << r.stats.recoveries << " recoveries, " << r.stats.checks
      << " invariant checks in " << r.stats.seconds << " s ("
      << std::setprecision(0)
      << r.stats.recoveries / std::max(r.stats.seconds, 1e-9)
      << " recoveries/s)\n";
  if (!r.error.empty()) {
    err << "crashlab fuzz: " << r.error << "\n";
    return kExitEnvironment;
  }
  if (!r.finding) {
    out << "no violation found\n";
    return kExitOk;
  }
  const FuzzFinding& f = *r.finding;
  out << std::setprecision(2) << "VIOLATED " << f.invariant << " in scenario "
      << f.index << " (scenario seed " << f.scenario_seed << ") after "
      << f.seconds_to_detect << " s: " << f.message << "\n"
      << "reproducer: " << f.original_path << " (" << f.original.workload.size()
      << " steps)\n"
      << "shrunk:     " << f.minimal_path << " (" << f.minimal.workload.size()
      << " steps, crash point " << f.minimal.reproduce->crash_point << ", "
      << f.minimal.reproduce->crash_mode << ")\n"
      << "reproduce:  crashlab replay " << f.minimal_path << "\n";
  return kExitViolation;
}

}  // namespace crashlab::harness
