// crashlab run [PATH...]
#include <filesystem>
#include <iomanip>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>

#include "harness/cli.h"
#include "harness/fuse_mode.h"
#include "harness/progress_line.h"
#include "harness/run_suite.h"
#include "harness/scenario_files.h"
#include "reports/report_io.h"

namespace crashlab::harness {
namespace po = boost::program_options;

namespace {

std::string Usage() {
  return "usage: crashlab run [PATH...] [--mode sim|fuse|all] [--jobs N] [--filter GLOB]\n"
         "                    [--seed S] [--shard I/N] [--report-dir DIR] [--repro-dir DIR]\n"
         "                    [--fail-fast] [--progress auto|always|never]\n";
}

std::string Seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << "s";
  return o.str();
}

}  // namespace

int RunCommand(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  po::options_description desc("crashlab run options");
  std::vector<std::string> paths;
  std::string mode = "sim", filter, shard_text = "1/1", report_dir, repro_dir, progress_setting = "auto";
  unsigned jobs = 1;
  uint64_t seed = 0;
  desc.add_options()
      ("help,h", "show this help")
      ("mode", po::value(&mode), "sim | fuse | all (default sim)")
      ("jobs,j", po::value(&jobs), "worker threads (results do not depend on it)")
      ("filter", po::value(&filter), "only scenarios whose name or file matches this glob")
      ("seed", po::value(&seed), "replace every scenario's seed")
      ("shard", po::value(&shard_text), "run shard I of N of every scenario's crash points")
      ("report-dir", po::value(&report_dir), "write report.json, junit.xml, report.html, summary.md here")
      ("repro-dir", po::value(&repro_dir), "write reproducers here (default: REPORT_DIR/repro or ./crashlab-repro)")
      ("fail-fast", "stop at the first unexpected violation")
      ("progress", po::value(&progress_setting), "auto | always | never")
      ("path", po::value(&paths), "scenario files or directories (default scenarios/)");
  po::positional_options_description pos;
  pos.add("path", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    err << "crashlab run: " << e.what() << "\n" << Usage();
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << Usage() << desc;
    return kExitOk;
  }
  if (mode != "sim" && mode != "fuse" && mode != "all") {
    err << "crashlab run: --mode must be sim, fuse or all, got '" << mode << "'\n";
    return kExitBadInput;
  }
  if (progress_setting != "auto" && progress_setting != "always" && progress_setting != "never") {
    err << "crashlab run: --progress must be auto, always or never\n";
    return kExitBadInput;
  }
  auto shard = reports::Shard::Parse(shard_text);
  if (!shard.ok() || shard->index < 1 || shard->index > shard->count) {
    err << "crashlab run: --shard must be I/N with 1 <= I <= N, got '" << shard_text << "'\n";
    return kExitBadInput;
  }
  if (jobs == 0) jobs = 1;
  if (mode != "sim") {
    FuseSupport fuse = CheckFuseSupport();
    if (!fuse.available) {
      err << "crashlab run: " << fuse.reason << "\n";
      return kExitEnvironment;
    }
  }
  if (paths.empty()) paths.push_back("scenarios");
  std::vector<InputError> errors;
  auto files = CollectScenarioFiles(paths, &errors);
  auto scenarios = LoadScenarios(files, &errors);
  if (!errors.empty()) {
    err << JoinErrors(errors);
    return kExitBadInput;
  }
  std::vector<Scenario> selected;
  for (auto& sc : scenarios) {
    if (MatchesFilter(sc, filter)) selected.push_back(std::move(sc));
  }
  if (selected.empty()) {
    err << "crashlab run: no scenario matches" << (filter.empty() ? "" : " --filter " + filter) << "\n";
    return kExitBadInput;
  }

  SuiteSettings settings;
  settings.explore.jobs = jobs;
  settings.explore.shard = ShardSpec{shard->index, shard->count};
  if (vm.count("seed")) settings.explore.seed = seed;
  settings.explore.fail_fast = vm.count("fail-fast") > 0;
  settings.repro_dir = !repro_dir.empty() ? repro_dir
                       : !report_dir.empty() ? (std::filesystem::path(report_dir) / "repro").string()
                                             : "crashlab-repro";
  out << "crashlab " << CRASHLAB_VERSION << ": " << selected.size() << " scenario(s), mode sim, "
      << jobs << " job(s), shard " << shard->ToString() << ", seed "
      << (vm.count("seed") ? std::to_string(seed) + " (--seed)" : std::string("from each scenario"))
      << "\n";
  Progress progress;
  ProgressLine line(progress, err, ProgressEnabled(progress_setting));
  SuiteResult result = RunSuite(selected, settings, &progress);
  line.Stop();

  const auto& rec = result.record;
  for (const auto& plan : result.plans) {
    if (!plan.skipped.empty()) {
      out << std::left << std::setw(7) << "SKIP" << plan.scenario.name << ": " << plan.skipped << "\n";
      continue;
    }
    const reports::ScenarioResult* sr = nullptr;
    for (const auto& s : rec.scenarios) {
      if (s.file == plan.scenario.file && s.name == plan.scenario.name) sr = &s;
    }
    if (!sr) continue;
    std::string tag = !sr->error.empty() ? "ERROR"
                      : sr->expectation_met() ? (sr->expected.violated.empty() ? "PASS" : "CAUGHT")
                                              : "FAIL";
    out << std::left << std::setw(7) << tag << plan.scenario.name << "  (seed " << plan.seed << ", "
        << sr->crash_points.size() << " points, " << sr->crash_states << " states, "
        << Seconds(sr->duration_seconds) << ")";
    if (!sr->error.empty()) out << ": " << sr->error;
    out << "\n";
    if (plan.workload) {
      for (const auto& note : plan.workload->notes) out << "         note: " << note << "\n";
    }
    if (sr->error.empty()) {
      for (const auto& ic : sr->invariants) {
        bool expected = std::find(sr->expected.violated.begin(), sr->expected.violated.end(), ic.id) !=
                        sr->expected.violated.end();
        if (ic.violated > 0 || expected) {
          out << "         " << ic.id << ": violated in " << ic.violated << " of "
              << (ic.held + ic.violated) << " states" << (expected ? " (expected)" : " (UNEXPECTED)")
              << "\n";
        }
      }
    }
    std::set<std::string> shown;  // the first violation of each invariant
    for (const auto& v : rec.violations) {
      if (v.scenario_file == plan.scenario.file && v.scenario == plan.scenario.name &&
          shown.insert(v.invariant).second) {
        out << "         " << v.invariant << " @ op " << v.crash_point << " (" << v.crash_mode
            << "): " << v.message << "\n";
        if (!v.reproducer.empty()) out << "         reproduce: " << v.reproduce_command << "\n";
      }
    }
  }
  reports::Totals t = reports::ComputeTotals(rec);
  bool ok = reports::AllExpectationsMet(rec);
  out << "\n" << t.scenarios << " scenario(s): " << (t.scenarios - t.expectation_unmet)
      << " as expected, " << t.expectation_unmet << " not; " << t.crash_points << " crash points, "
      << t.crash_states << " crash states, " << t.violations << " violation(s) recorded, "
      << Seconds(rec.run.duration_seconds) << "\n";
  for (const auto& e : result.errors) err << "crashlab run: " << e << "\n";
  if (!report_dir.empty()) {
    auto st = reports::WriteReports(rec, report_dir);
    if (!st.ok()) {
      err << "crashlab run: " << st.ToString() << "\n";
      return kExitEnvironment;
    }
    out << "report: " << (std::filesystem::path(report_dir) / "report.html").string() << "\n";
  }
  return ok ? kExitOk : kExitViolation;
}

}  // namespace crashlab::harness
