// crashlab run [PATH...]
#include <stdlib.h>

#include <boost/program_options.hpp>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <optional>
#include <sstream>

#include "harness/cli/cli.h"
#include "harness/exec/exec_suite.h"
#include "harness/fuse/fuse_agreement.h"
#include "harness/fuse/fuse_mode.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/scenario_files.h"
#include "harness/suite/progress_line.h"
#include "harness/suite/result_printer.h"
#include "harness/suite/run_suite.h"
#include "reports/report_io.h"

namespace crashlab::harness {
namespace po = boost::program_options;

namespace {

std::string Usage() {
  return "usage: crashlab run [PATH...] [--mode sim|fuse|all] [--jobs N] "
         "[--filter GLOB]\n"
         "                    [--seed S] [--shard I/N] [--report-dir DIR] "
         "[--repro-dir DIR]\n"
         "                    [--fail-fast] [--progress auto|always|never]\n"
         "                    [--fuse-sample N] [--work-dir DIR] "
         "[--keep-work-dir]\n";
}

// Where fuse mode mounts: --work-dir, or a fresh temporary directory.
struct WorkDir {
  std::string path;
  bool created = false;  // by this run (removed at the end unless kept)
};

// Prints the stale mounts of earlier runs and the commands that remove them.
void ShowStale(const std::vector<StaleMount>& stale, std::ostream& err) {
  for (const auto& m : stale)
    err << "  " << m.path << "\n    remove it with: " << m.remove_command
        << "\n";
}

// The options of `crashlab run`, as given.
struct RunOptions {
  std::vector<std::string> paths;
  std::string mode_text = "sim", filter, shard_text = "1/1", report_dir,
              repro_dir, progress_setting = "auto", work_dir_arg;
  RunMode mode = RunMode::kSim;
  int64_t jobs = 1;
  std::optional<uint64_t> seed;
  int64_t fuse_sample = 3;
  bool fail_fast = false;
  bool keep_work_dir = false;
  reports::Shard shard;
};

// Phase 1: the command line. nullopt with *exit_code set when the command
// ends here (help, bad input).
std::optional<RunOptions> ParseRunOptions(int argc, const char* const* argv,
                                          std::ostream& out, std::ostream& err,
                                          int* exit_code) {
  RunOptions o;
  uint64_t seed = 0;
  po::options_description desc("crashlab run options");
  desc.add_options()("help,h", "show this help")(
      "mode", po::value(&o.mode_text), "sim | fuse | all (default sim)")(
      "jobs,j", po::value(&o.jobs),
      "worker threads, 1 to 256 (results do not depend on it)")(
      "filter", po::value(&o.filter),
      "only scenarios whose name or file matches this glob")(
      "seed", po::value(&seed), "replace every scenario's seed")(
      "shard", po::value(&o.shard_text),
      "run shard I of N of every scenario's crash points")(
      "report-dir", po::value(&o.report_dir),
      "write report.json, junit.xml, report.html, summary.md here")(
      "repro-dir", po::value(&o.repro_dir),
      "write reproducers here (default: REPORT_DIR/repro or ./crashlab-repro)")(
      "fail-fast", "stop at the first unexpected violation")(
      "progress", po::value(&o.progress_setting), "auto | always | never")(
      "fuse-sample", po::value(&o.fuse_sample),
      "fuse mode: sampled crash points per scenario (default 3; 0 to 10^9; "
      "a \"list\" scenario runs all its points)")(
      "work-dir", po::value(&o.work_dir_arg),
      "fuse mode: where the mounts go (default a fresh temporary dir)")(
      "keep-work-dir",
      "fuse mode: keep the backing dirs, logs and scenario copies")(
      "path", po::value(&o.paths),
      "scenario files or directories (default ./scenarios/, else the "
      "installed suite)");
  po::positional_options_description pos;
  pos.add("path", -1);
  po::variables_map vm;
  *exit_code = kExitBadInput;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(desc).positional(pos).run(),
        vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    err << "crashlab run: " << e.what() << "\n" << Usage();
    return std::nullopt;
  }
  if (vm.count("help")) {
    out << Usage() << desc;
    *exit_code = kExitOk;
    return std::nullopt;
  }
  std::optional<RunMode> mode = ParseRunMode(o.mode_text);
  if (!mode) {
    err << "crashlab run: --mode must be sim, fuse or all, got '" << o.mode_text
        << "'\n";
    return std::nullopt;
  }
  o.mode = *mode;
  if (o.progress_setting != "auto" && o.progress_setting != "always" &&
      o.progress_setting != "never") {
    err << "crashlab run: --progress must be auto, always or never\n";
    return std::nullopt;
  }
  auto shard = reports::Shard::Parse(o.shard_text);
  if (!shard.ok() || shard->index < 1 || shard->index > shard->count) {
    err << "crashlab run: --shard must be I/N with 1 <= I <= N, got '"
        << o.shard_text << "'\n";
    return std::nullopt;
  }
  o.shard = *shard;
  if (!InBounds("run", "jobs", o.jobs, 1, kMaxJobs, err) ||
      !InBounds("run", "fuse-sample", o.fuse_sample, 0, kMaxCount, err))
    return std::nullopt;
  if (vm.count("seed")) o.seed = seed;
  o.fail_fast = vm.count("fail-fast") > 0;
  o.keep_work_dir = vm.count("keep-work-dir") > 0;
  *exit_code = kExitOk;
  return o;
}

// Phase 2 (fuse and all mode): checks FUSE and prepares the work dir. On
// failure prints why and returns false.
bool PrepareWorkDir(const RunOptions& o, WorkDir* work, std::ostream& err) {
  InstallInterruptCleanup();
  FuseSupport fuse = CheckFuseSupport();
  if (!fuse.available) {
    err << "crashlab run: " << fuse.reason << "\n";
    return false;
  }
  if (!o.work_dir_arg.empty()) {
    auto stale = FindStaleMounts(o.work_dir_arg);
    if (!stale.empty()) {
      err << "crashlab run: the work dir " << o.work_dir_arg << " holds "
          << stale.size()
          << " faultfs mount(s) of an earlier run that did not end "
             "cleanly:\n";
      ShowStale(stale, err);
      err << "remove them (or choose another --work-dir) and run again\n";
      return false;
    }
    std::error_code ec;
    work->created = !std::filesystem::exists(o.work_dir_arg);
    std::filesystem::create_directories(o.work_dir_arg, ec);
    if (ec) {
      err << "crashlab run: cannot create the work dir " << o.work_dir_arg
          << ": " << ec.message() << "\n";
      return false;
    }
    work->path =
        std::filesystem::absolute(o.work_dir_arg).lexically_normal().string();
  } else {
    // Earlier runs that were killed leave mounts in their temporary dirs:
    // not in our way, but worth saying.
    std::vector<StaleMount> stale;
    for (auto& m :
         FindStaleMounts(std::filesystem::temp_directory_path().string())) {
      if (m.path.find("/crashlab-fuse-") != std::string::npos)
        stale.push_back(std::move(m));
    }
    if (!stale.empty()) {
      err << "crashlab run: warning: " << stale.size()
          << " faultfs mount(s) left by an earlier run:\n";
      ShowStale(stale, err);
    }
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "crashlab-fuse-XXXXXX")
            .string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      err << "crashlab run: cannot create a temporary work dir " << tmpl << ": "
          << std::strerror(errno) << "\n";
      return false;
    }
    work->path = tmpl;
    work->created = true;
  }
  if (work->created && !o.keep_work_dir) RegisterTempDir(work->path);
  return true;
}

// Removes what fuse mode left in the work dir (never under a mount).
void CleanupWorkDir(const WorkDir& work, bool keep, const SuiteResult* result,
                    std::ostream& out, std::ostream& err) {
  if (work.path.empty()) return;
  auto stale = FindStaleMounts(work.path);
  if (!stale.empty()) {
    err << "crashlab run: mounts left under " << work.path << ":\n";
    ShowStale(stale, err);
    return;
  }
  if (keep) {
    out << "work dir kept: " << work.path << "\n";
    return;
  }
  std::error_code ec;
  if (work.created) {
    std::filesystem::remove_all(work.path, ec);
    UnregisterTempDir(work.path);
  } else if (result) {
    for (const auto& p : result->fuse_plans) {
      if (!p.dir.empty()) std::filesystem::remove_all(p.dir, ec);
    }
  }
}

// Phase 3: the scenario files, filtered. Empty (after printing why) on bad
// input or when nothing matches.
std::vector<Scenario> LoadSelected(RunOptions& o, std::ostream& out,
                                   std::ostream& err) {
  if (o.paths.empty()) {
    o.paths.push_back(DefaultScenarioPath());
    if (o.paths[0] != "scenarios")
      out << "no ./scenarios here: running the installed suite " << o.paths[0]
          << "\n";
  }
  std::vector<InputError> errors;
  auto files = CollectScenarioFiles(o.paths, &errors);
  auto scenarios = LoadScenarios(files, &errors);
  if (!errors.empty()) {
    err << JoinErrors(errors);
    return {};
  }
  std::vector<Scenario> selected;
  for (auto& sc : scenarios) {
    if (MatchesFilter(sc, o.filter)) selected.push_back(std::move(sc));
  }
  if (selected.empty()) {
    err << "crashlab run: no scenario matches"
        << (o.filter.empty() ? "" : " --filter " + o.filter) << "\n";
  }
  return selected;
}

SuiteSettings MakeSettings(const RunOptions& o, const WorkDir& work) {
  SuiteSettings settings;
  settings.explore.jobs = static_cast<unsigned>(o.jobs);
  settings.explore.shard = ShardSpec{o.shard.index, o.shard.count};
  settings.explore.seed = o.seed;
  settings.explore.fail_fast = o.fail_fast;
  settings.repro_dir =
      !o.repro_dir.empty() ? o.repro_dir
      : !o.report_dir.empty()
          ? (std::filesystem::path(o.report_dir) / "repro").string()
          : "crashlab-repro";
  settings.mode = o.mode;
  settings.fuse_sample = static_cast<uint64_t>(o.fuse_sample);
  settings.work_dir = work.path;
  return settings;
}

void PrintRunHeader(const RunOptions& o, size_t scenarios, const WorkDir& work,
                    std::ostream& out) {
  out << "crashlab " << CRASHLAB_VERSION << ": " << scenarios
      << " scenario(s), mode " << RunModeName(o.mode) << ", " << o.jobs
      << " job(s), shard " << o.shard.ToString() << ", seed "
      << (o.seed ? std::to_string(*o.seed) + " (--seed)"
                 : std::string("from each scenario"))
      << "\n";
  if (RunsFuse(o.mode)) {
    out << "fuse mode: " << o.fuse_sample
        << " sampled crash point(s) per scenario plus one per invariant the "
        << "simulator finds violated; work dir " << work.path << "\n";
  }
}

void PrintTotals(const RunOptions& o, const SuiteResult& result,
                 const std::vector<Scenario>& selected, std::ostream& out) {
  const auto& rec = result.record;
  reports::Totals t = reports::ComputeTotals(rec);
  // One shard of several fails only for what is wrong inside it; whether
  // each expected violation was seen is judged by `crashlab report merge`.
  size_t deferred = std::count_if(
      rec.scenarios.begin(), rec.scenarios.end(),
      [&](const auto& s) { return s.expectation_deferred(rec.run.shard); });
  size_t unmet = t.expectation_unmet - deferred;
  out << "\n"
      << t.scenarios << " scenario(s): " << (t.scenarios - unmet - deferred)
      << " as expected, " << unmet << " not"
      << (deferred ? ", " + std::to_string(deferred) +
                         " DEFER (expected violations not in shard " +
                         o.shard.ToString() + ": crashlab report merge judges)"
                   : std::string())
      << "; " << t.crash_points << " crash points, " << t.crash_states
      << " cases (point x mode), " << t.distinct_images
      << " distinct post-crash images, " << t.recoveries << " recoveries, "
      << t.nested_crashes << " nested recovery crashes, " << t.checks
      << " invariant checks, " << t.violations << " violation(s) recorded, "
      << Seconds(rec.run.duration_seconds) << "\n";
  if (o.mode != RunMode::kSim) return;
  size_t skipped =
      std::count_if(result.plans.begin(), result.plans.end(),
                    [](const ScenarioPlan& p) { return !p.skipped.empty(); });
  if (skipped > 0) {
    out << skipped
        << " scenario(s) skipped, not counted: they do not run in sim mode"
        << (CountExecScenarios(selected) > 0
                ? " (exec scenarios run with --mode fuse or --mode all)"
                : "")
        << "\n";
  }
}

// Last phase: the report files and the exit code.
int FinishRun(const RunOptions& o, const SuiteResult& result,
              const ExecSuiteResult& exec, std::ostream& out,
              std::ostream& err) {
  if (!o.report_dir.empty()) {
    auto st = reports::WriteReports(result.record, o.report_dir);
    if (!st.ok()) {
      err << "crashlab run: " << st.ToString() << "\n";
      return kExitEnvironment;
    }
    out << "report: "
        << (std::filesystem::path(o.report_dir) / "report.html").string()
        << "\n";
  }
  if (!exec.environment_errors.empty()) {
    for (const auto& e : exec.environment_errors)
      err << "crashlab run: exec mode: " << e << "\n";
    return kExitEnvironment;
  }
  if (!result.environment_errors.empty()) {
    for (const auto& e : result.environment_errors)
      err << "crashlab run: fuse mode: " << e << "\n";
    err << "crashlab run: fuse mode could not run every crash point "
           "(environment); rerun with --keep-work-dir "
           "to keep the daemon and worker logs\n";
    return kExitEnvironment;
  }
  return reports::RunPasses(result.record) ? kExitOk : kExitViolation;
}

}  // namespace

int RunCommand(int argc, const char* const* argv, std::ostream& out,
               std::ostream& err) {
  int exit_code = kExitOk;
  std::optional<RunOptions> parsed =
      ParseRunOptions(argc, argv, out, err, &exit_code);
  if (!parsed) return exit_code;
  RunOptions& o = *parsed;
  WorkDir work;
  if (RunsFuse(o.mode) && !PrepareWorkDir(o, &work, err))
    return kExitEnvironment;
  std::vector<Scenario> selected = LoadSelected(o, out, err);
  if (selected.empty()) {
    CleanupWorkDir(work, o.keep_work_dir, nullptr, out, err);
    return kExitBadInput;
  }

  SuiteSettings settings = MakeSettings(o, work);
  std::mutex out_mu;
  settings.on_fuse_case = [&](const FusePlan& plan, const FuseCase& c) {
    std::lock_guard lock(out_mu);
    out << "fuse   " << plan.scenario.name << " " << DescribeFuseCase(plan, c)
        << "\n";
    out.flush();
  };
  PrintRunHeader(o, selected.size(), work, out);
  Progress progress;
  ProgressLine line(progress, err, ProgressEnabled(o.progress_setting));
  SuiteResult result = RunSuite(selected, settings, &progress);
  line.Stop();
  // Scenarios with exec/check steps: exec mode on faultfs (exec_suite.h).
  ExecSuiteResult exec;
  if (RunsFuse(o.mode)) {
    ExecOptions eo;
    eo.seed = o.seed;
    eo.shard = settings.explore.shard;
    eo.work_root = work.path;
    eo.fail_fast = settings.explore.fail_fast;
    eo.keep_work_dirs = o.keep_work_dir;
    exec = RunExecSuite(selected, eo, settings.repro_dir, &result.record, &out);
  }

  PrintSimResults(result, RunsFuse(o.mode), out);
  PrintFuseResults(result, out);
  PrintExecResults(exec, result.record, out);
  PrintTotals(o, result, selected, out);
  for (const auto& e : result.errors) err << "crashlab run: " << e << "\n";
  for (const auto& e : exec.errors) err << "crashlab run: " << e << "\n";
  CleanupWorkDir(work, o.keep_work_dir, &result, out, err);
  return FinishRun(o, result, exec, out, err);
}

}  // namespace crashlab::harness
