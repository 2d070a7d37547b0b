// crashlab run [PATH...]
#include <stdlib.h>

#include <boost/program_options.hpp>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <set>
#include <sstream>

#include "harness/cli/cli.h"
#include "harness/exec/exec_suite.h"
#include "harness/fuse/fuse_agreement.h"
#include "harness/fuse/fuse_mode.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/scenario_files.h"
#include "harness/suite/progress_line.h"
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

std::string Seconds(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << "s";
  return o.str();
}

}  // namespace

int RunCommand(int argc, const char* const* argv, std::ostream& out,
               std::ostream& err) {
  po::options_description desc("crashlab run options");
  std::vector<std::string> paths;
  std::string mode = "sim", filter, shard_text = "1/1", report_dir, repro_dir,
              progress_setting = "auto";
  std::string work_dir_arg;
  int64_t jobs = 1;
  uint64_t seed = 0;
  int64_t fuse_sample = 3;
  desc.add_options()("help,h", "show this help")(
      "mode", po::value(&mode), "sim | fuse | all (default sim)")(
      "jobs,j", po::value(&jobs),
      "worker threads, 1 to 256 (results do not depend on it)")(
      "filter", po::value(&filter),
      "only scenarios whose name or file matches this glob")(
      "seed", po::value(&seed), "replace every scenario's seed")(
      "shard", po::value(&shard_text),
      "run shard I of N of every scenario's crash points")(
      "report-dir", po::value(&report_dir),
      "write report.json, junit.xml, report.html, summary.md here")(
      "repro-dir", po::value(&repro_dir),
      "write reproducers here (default: REPORT_DIR/repro or ./crashlab-repro)")(
      "fail-fast", "stop at the first unexpected violation")(
      "progress", po::value(&progress_setting), "auto | always | never")(
      "fuse-sample", po::value(&fuse_sample),
      "fuse mode: sampled crash points per scenario (default 3; 0 to 10^9; "
      "a \"list\" scenario runs all its points)")(
      "work-dir", po::value(&work_dir_arg),
      "fuse mode: where the mounts go (default a fresh temporary dir)")(
      "keep-work-dir",
      "fuse mode: keep the backing dirs, logs and scenario copies")(
      "path", po::value(&paths),
      "scenario files or directories (default ./scenarios/, else the "
      "installed suite)");
  po::positional_options_description pos;
  pos.add("path", -1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(desc).positional(pos).run(),
        vm);
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
    err << "crashlab run: --mode must be sim, fuse or all, got '" << mode
        << "'\n";
    return kExitBadInput;
  }
  if (progress_setting != "auto" && progress_setting != "always" &&
      progress_setting != "never") {
    err << "crashlab run: --progress must be auto, always or never\n";
    return kExitBadInput;
  }
  auto shard = reports::Shard::Parse(shard_text);
  if (!shard.ok() || shard->index < 1 || shard->index > shard->count) {
    err << "crashlab run: --shard must be I/N with 1 <= I <= N, got '"
        << shard_text << "'\n";
    return kExitBadInput;
  }
  if (!InBounds("run", "jobs", jobs, 1, kMaxJobs, err) ||
      !InBounds("run", "fuse-sample", fuse_sample, 0, kMaxCount, err))
    return kExitBadInput;
  bool keep_work_dir = vm.count("keep-work-dir") > 0;
  WorkDir work;
  if (mode != "sim") {
    InstallInterruptCleanup();
    FuseSupport fuse = CheckFuseSupport();
    if (!fuse.available) {
      err << "crashlab run: " << fuse.reason << "\n";
      return kExitEnvironment;
    }
    if (!work_dir_arg.empty()) {
      auto stale = FindStaleMounts(work_dir_arg);
      if (!stale.empty()) {
        err << "crashlab run: the work dir " << work_dir_arg << " holds "
            << stale.size()
            << " faultfs mount(s) of an earlier run that did not end "
               "cleanly:\n";
        ShowStale(stale, err);
        err << "remove them (or choose another --work-dir) and run again\n";
        return kExitEnvironment;
      }
      std::error_code ec;
      work.created = !std::filesystem::exists(work_dir_arg);
      std::filesystem::create_directories(work_dir_arg, ec);
      if (ec) {
        err << "crashlab run: cannot create the work dir " << work_dir_arg
            << ": " << ec.message() << "\n";
        return kExitEnvironment;
      }
      work.path =
          std::filesystem::absolute(work_dir_arg).lexically_normal().string();
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
        err << "crashlab run: cannot create a temporary work dir " << tmpl
            << ": " << std::strerror(errno) << "\n";
        return kExitEnvironment;
      }
      work.path = tmpl;
      work.created = true;
    }
    if (work.created && !keep_work_dir) RegisterTempDir(work.path);
  }
  // Removes what fuse mode left in the work dir (never under a mount).
  auto cleanup_work_dir = [&](const SuiteResult* result) {
    if (work.path.empty()) return;
    auto stale = FindStaleMounts(work.path);
    if (!stale.empty()) {
      err << "crashlab run: mounts left under " << work.path << ":\n";
      ShowStale(stale, err);
      return;
    }
    if (keep_work_dir) {
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
  };
  if (paths.empty()) {
    paths.push_back(DefaultScenarioPath());
    if (paths[0] != "scenarios")
      out << "no ./scenarios here: running the installed suite " << paths[0]
          << "\n";
  }
  std::vector<InputError> errors;
  auto files = CollectScenarioFiles(paths, &errors);
  auto scenarios = LoadScenarios(files, &errors);
  if (!errors.empty()) {
    err << JoinErrors(errors);
    cleanup_work_dir(nullptr);
    return kExitBadInput;
  }
  std::vector<Scenario> selected;
  for (auto& sc : scenarios) {
    if (MatchesFilter(sc, filter)) selected.push_back(std::move(sc));
  }
  if (selected.empty()) {
    err << "crashlab run: no scenario matches"
        << (filter.empty() ? "" : " --filter " + filter) << "\n";
    cleanup_work_dir(nullptr);
    return kExitBadInput;
  }

  SuiteSettings settings;
  settings.explore.jobs = static_cast<unsigned>(jobs);
  settings.explore.shard = ShardSpec{shard->index, shard->count};
  if (vm.count("seed")) settings.explore.seed = seed;
  settings.explore.fail_fast = vm.count("fail-fast") > 0;
  settings.repro_dir =
      !repro_dir.empty() ? repro_dir
      : !report_dir.empty()
          ? (std::filesystem::path(report_dir) / "repro").string()
          : "crashlab-repro";
  settings.mode = mode;
  settings.fuse_sample = static_cast<uint64_t>(fuse_sample);
  settings.work_dir = work.path;
  std::mutex out_mu;
  settings.on_fuse_case = [&](const FusePlan& plan, const FuseCase& c) {
    std::lock_guard lock(out_mu);
    out << "fuse   " << plan.scenario.name << " " << DescribeFuseCase(plan, c)
        << "\n";
    out.flush();
  };
  out << "crashlab " << CRASHLAB_VERSION << ": " << selected.size()
      << " scenario(s), mode " << mode << ", " << jobs << " job(s), shard "
      << shard->ToString() << ", seed "
      << (vm.count("seed") ? std::to_string(seed) + " (--seed)"
                           : std::string("from each scenario"))
      << "\n";
  if (mode != "sim") {
    out << "fuse mode: " << fuse_sample
        << " sampled crash point(s) per scenario plus one per invariant the "
        << "simulator finds violated; work dir " << work.path << "\n";
  }
  Progress progress;
  ProgressLine line(progress, err, ProgressEnabled(progress_setting));
  SuiteResult result = RunSuite(selected, settings, &progress);
  line.Stop();
  // Scenarios with exec/check steps: exec mode on faultfs (exec_suite.h).
  ExecSuiteResult exec;
  if (mode != "sim") {
    ExecOptions eo;
    if (vm.count("seed")) eo.seed = seed;
    eo.shard = settings.explore.shard;
    eo.work_root = work.path;
    eo.fail_fast = settings.explore.fail_fast;
    eo.keep_work_dirs = keep_work_dir;
    exec = RunExecSuite(selected, eo, settings.repro_dir, &result.record, &out);
  }

  const auto& rec = result.record;
  for (const auto& plan : result.plans) {
    if (!plan.skipped.empty()) {
      if (mode != "sim" && plan.scenario.has_exec())
        continue;  // exec mode ran it
      out << std::left << std::setw(7) << "SKIP" << plan.scenario.name << ": "
          << plan.skipped << "\n";
      continue;
    }
    const reports::ScenarioResult* sr = nullptr;
    for (const auto& s : rec.scenarios) {
      if (s.mode == "sim" && s.file == plan.scenario.file &&
          s.name == plan.scenario.name)
        sr = &s;
    }
    if (!sr) continue;
    std::string tag = reports::VerdictTag(*sr, rec.run.shard);
    out << std::left << std::setw(7) << tag << plan.scenario.name << "  (seed "
        << plan.seed << ", " << sr->crash_points.size() << " points, "
        << sr->crash_states << " cases, " << sr->distinct_images << " images, "
        << sr->recoveries << " recoveries, " << Seconds(sr->duration_seconds)
        << ")";
    if (!sr->error.empty()) out << ": " << sr->error;
    out << "\n";
    if (plan.workload) {
      for (const auto& note : plan.workload->notes)
        out << "         note: " << note << "\n";
    }
    if (sr->error.empty()) {
      for (const auto& ic : sr->invariants) {
        bool expected = std::find(sr->expected.violated.begin(),
                                  sr->expected.violated.end(),
                                  ic.id) != sr->expected.violated.end();
        if (ic.violated > 0 || expected) {
          out << "         " << ic.id << ": violated in " << ic.violated
              << " of " << (ic.held + ic.violated) << " states"
              << (expected ? " (expected)" : " (UNEXPECTED)") << "\n";
        }
      }
    }
    std::set<std::string> shown;  // the first violation of each invariant
    for (const auto& v : rec.violations) {
      if (v.mode == "sim" && v.scenario_file == plan.scenario.file &&
          v.scenario == plan.scenario.name &&
          shown.insert(v.invariant).second) {
        out << "         " << v.invariant << " @ op " << v.crash_point << " ("
            << v.crash_mode << "): " << v.message << "\n";
        if (!v.reproducer.empty())
          out << "         reproduce: " << v.reproduce_command << "\n";
      }
    }
  }
  for (const auto& plan : result.fuse_plans) {
    if (!plan.skipped.empty()) {
      if (plan.scenario.has_exec()) continue;  // exec mode ran it
      out << std::left << std::setw(7) << "SKIP" << plan.scenario.name
          << " (fuse): " << plan.skipped << "\n";
      continue;
    }
    const reports::ScenarioResult* sr = nullptr;
    for (const auto& s : rec.scenarios) {
      if (s.mode == "fuse" && s.file == plan.scenario.file &&
          s.name == plan.scenario.name)
        sr = &s;
    }
    if (!sr) continue;
    std::string tag = reports::VerdictTag(*sr, rec.run.shard);
    size_t sampled = plan.cases.size() - plan.targeted.size();
    out << std::left << std::setw(7) << tag << plan.scenario.name
        << "  (fuse, seed " << plan.seed << ", " << plan.cases.size() << " of "
        << plan.ref.points.size() << " points: ";
    if (plan.scenario.crash_points.strategy == CrashPointStrategy::kList) {
      out << "the scenario's list";
    } else {
      out << sampled << " sampled (sample seed " << plan.sample_seed << ") + "
          << plan.targeted.size() << " targeted";
    }
    uint64_t agree = 0;
    for (const auto& c : plan.cases)
      agree += c.done && c.error.empty() && c.agrees() ? 1 : 0;
    out << ", " << agree << " agree with sim, " << Seconds(sr->duration_seconds)
        << ")";
    if (!sr->error.empty()) out << ": " << sr->error;
    out << "\n";
    if (sr->error.empty()) {
      for (const auto& ic : sr->invariants) {
        bool expected = std::find(sr->expected.violated.begin(),
                                  sr->expected.violated.end(),
                                  ic.id) != sr->expected.violated.end();
        if (ic.violated > 0 || expected) {
          out << "         " << ic.id << ": violated in " << ic.violated
              << " of " << (ic.held + ic.violated) << " crash points"
              << (expected ? " (expected)" : " (UNEXPECTED)") << "\n";
        }
      }
    }
    std::set<std::string> shown;
    for (const auto& v : rec.violations) {
      if (v.mode == "fuse" && v.scenario_file == plan.scenario.file &&
          v.scenario == plan.scenario.name &&
          shown.insert(v.invariant).second) {
        std::string msg = v.message;
        if (v.invariant != kSimFuseAgreement && msg.size() > 300)
          msg = msg.substr(0, 300) + "...";
        out << "         " << v.invariant << " @ op " << v.crash_point
            << " (fuse): " << msg << "\n";
        if (!v.reproducer.empty())
          out << "         reproduce: " << v.reproduce_command << "\n";
      }
    }
  }
  PrintExecSuite(exec, rec, out);
  reports::Totals t = reports::ComputeTotals(rec);
  // One shard of several fails only for what is wrong inside it; whether
  // each expected violation was seen is judged by `crashlab report merge`.
  bool ok = reports::RunPasses(rec);
  size_t deferred = std::count_if(
      rec.scenarios.begin(), rec.scenarios.end(),
      [&](const auto& s) { return s.expectation_deferred(rec.run.shard); });
  size_t unmet = t.expectation_unmet - deferred;
  out << "\n"
      << t.scenarios << " scenario(s): " << (t.scenarios - unmet - deferred)
      << " as expected, " << unmet << " not"
      << (deferred ? ", " + std::to_string(deferred) +
                         " DEFER (expected violations not in shard " +
                         shard->ToString() + ": crashlab report merge judges)"
                   : std::string())
      << "; " << t.crash_points << " crash points, " << t.crash_states
      << " cases (point x mode), " << t.distinct_images
      << " distinct post-crash images, " << t.recoveries << " recoveries, "
      << t.nested_crashes << " nested recovery crashes, " << t.checks
      << " invariant checks, " << t.violations << " violation(s) recorded, "
      << Seconds(rec.run.duration_seconds) << "\n";
  if (mode == "sim") {
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
  for (const auto& e : result.errors) err << "crashlab run: " << e << "\n";
  for (const auto& e : exec.errors) err << "crashlab run: " << e << "\n";
  cleanup_work_dir(&result);
  if (!report_dir.empty()) {
    auto st = reports::WriteReports(rec, report_dir);
    if (!st.ok()) {
      err << "crashlab run: " << st.ToString() << "\n";
      return kExitEnvironment;
    }
    out << "report: "
        << (std::filesystem::path(report_dir) / "report.html").string() << "\n";
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
  return ok ? kExitOk : kExitViolation;
}

}  // namespace crashlab::harness
