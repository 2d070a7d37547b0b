#include "harness/scenario/scenario_files.h"

#include <fnmatch.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "harness/scenario/scenario_parser.h"
#include "version/version.h"

namespace crashlab::harness {

namespace fs = std::filesystem;

std::vector<std::string> CollectScenarioFiles(
    const std::vector<std::string>& paths, std::vector<InputError>* errors) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        std::string name = it->path().filename().string();
        if (it->path().extension() != ".json") continue;
        if (name.size() > 12 && name.substr(name.size() - 12) == ".schema.json")
          continue;
        found.push_back(it->path().lexically_normal().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      errors->push_back(
          InputError{.file = p, .message = "no such file or directory"});
    }
  }
  return out;
}

std::vector<Scenario> LoadScenarios(const std::vector<std::string>& files,
                                    std::vector<InputError>* errors) {
  std::vector<Scenario> out;
  for (const auto& f : files) {
    ParseOutcome p = LoadScenario(f);
    if (!p.ok()) {
      errors->insert(errors->end(), p.errors.begin(), p.errors.end());
      continue;
    }
    out.push_back(std::move(p.scenario));
  }
  return out;
}

std::string DefaultScenarioPath() {
  std::error_code ec;
  if (fs::is_directory("scenarios", ec)) return "scenarios";
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    fs::path installed = fs::path(self).parent_path() /
                         std::string(version::DataDirFromBinDir()) /
                         "scenarios";
    installed = installed.lexically_normal();
    if (fs::is_directory(installed, ec)) return installed.string();
  }
  return "scenarios";
}

bool MatchesFilter(const Scenario& scenario, const std::string& glob) {
  if (glob.empty()) return true;
  return fnmatch(glob.c_str(), scenario.name.c_str(), 0) == 0 ||
         fnmatch(glob.c_str(), scenario.file.c_str(), 0) == 0;
}

}  // namespace crashlab::harness
