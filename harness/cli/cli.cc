#include "harness/cli/cli.h"

#include <string>
#include <vector>

#include "reports/report_command.h"
#include "version/version.h"

namespace crashlab::harness {

namespace {
constexpr const char* kUsage =
    "usage: crashlab COMMAND [ARGS...]\n"
    "\n"
    "commands:\n"
    "  run [PATH...]        run scenario files (default scenarios/) and check "
    "the invariants\n"
    "  validate FILE...     check scenario files (file:line:column errors)\n"
    "  explore SCENARIO     every crash point x crash mode of one scenario, as "
    "a table\n"
    "  replay REPRO.json    reproduce one violation and print the trace around "
    "the crash\n"
    "  shrink REPRO.json    minimise a reproducer while the same invariant "
    "still fails\n"
    "  fuzz                 random workloads + fault schedules; shrinks the "
    "first violation\n"
    "  report merge|render  merge shard reports, render report.json (see "
    "crashlab report --help)\n"
    "\n"
    "exit codes: 0 all held, 1 a violation or unmet expectation, 2 bad input "
    "or usage,\n"
    "3 environment problem. `crashlab COMMAND --help` describes each "
    "command.\n";
}  // namespace

int Main(int argc, const char* const* argv, std::ostream& out,
         std::ostream& err) {
  if (argc < 2) {
    err << kUsage;
    return kExitBadInput;
  }
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "version") {
    out << version::VersionLine("crashlab") << "\n";
    return kExitOk;
  }
  const char* const* sub = argv + 1;
  int subc = argc - 1;
  if (cmd == "run") return RunCommand(subc, sub, out, err);
  if (cmd == "validate") return ValidateCommand(subc, sub, out, err);
  if (cmd == "explore") return ExploreCommand(subc, sub, out, err);
  if (cmd == "replay") return ReplayCommand(subc, sub, out, err);
  if (cmd == "shrink") return ShrinkCommand(subc, sub, out, err);
  if (cmd == "fuzz") return FuzzCommand(subc, sub, out, err);
  if (cmd == "report") return reports::RunReportCommand(subc, sub, out, err);
  err << "crashlab: unknown command '" << cmd << "'\n" << kUsage;
  return kExitBadInput;
}

}  // namespace crashlab::harness
