// crashlab validate FILE...
#include "harness/cli/cli.h"
#include "harness/scenario/scenario_files.h"
#include "harness/scenario/scenario_parser.h"

namespace crashlab::harness {

int ValidateCommand(int argc, const char* const* argv, std::ostream& out,
                    std::ostream& err) {
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      out << "usage: crashlab validate FILE_OR_DIR...\n"
             "Checks scenario files against scenarios/scenario.schema.json and "
             "the semantics;\n"
             "prints FILE:LINE:COLUMN: FIELD: problem for each error. Exit 2 "
             "on any error.\n";
      return kExitOk;
    }
    paths.push_back(a);
  }
  if (paths.empty()) {
    err << "usage: crashlab validate FILE_OR_DIR...\n";
    return kExitBadInput;
  }
  std::vector<InputError> errors;
  auto files = CollectScenarioFiles(paths, &errors);
  size_t bad = 0;
  for (const auto& f : files) {
    ParseOutcome p = LoadScenario(f);
    if (p.ok()) {
      out << f << ": ok\n";
    } else {
      ++bad;
      errors.insert(errors.end(), p.errors.begin(), p.errors.end());
    }
  }
  err << JoinErrors(errors);
  if (!errors.empty()) {
    err << bad << " of " << files.size() << " file(s) invalid\n";
    return kExitBadInput;
  }
  return kExitOk;
}

}  // namespace crashlab::harness
