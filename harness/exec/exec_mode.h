#pragma once
// exec mode: a scenario with exec and check steps drives the user's own
// programs on a faultfs mount (`crashlab run --mode fuse|all`).
//
// One *run* of a scenario: a fresh faultfs mount (harness/fuse_mount.h) with
// the scenario's fault rules, then the workload's steps in order:
//   exec     runs `command` (argv) or `shell` (/bin/sh -c) with cwd = the
//            mount and CRASHLAB_MOUNT, CRASHLAB_STATE_DIR,
//            CRASHLAB_SCENARIO_DIR, CRASHLAB_SEED set; stdout/stderr captured;
//            after `timeout_ms` the process group is killed. An exit status
//            other than expect_exit (default 0), or a timeout, ends the run
//            with an error unless allow_failure.
//   crash    power cut (`ctl crash --mode M`) after the previous steps.
//   sync     `ctl sync`: everything becomes durable (like sync(1)).
//   inject / clear   add a fault rule / remove all, on the daemon.
//   check    after a restart: a command whose exit status 0 means the check
//            holds, or a built-in (file_exists [+ content/content_sha256],
//            file_absent, listing). A failing check violates its invariant.
// A crash rule firing during an exec step is a power cut too: the harness
// sees it (polling the daemon) and kills the step's process group at once,
// as the power cut would; the exec steps after it up to the next crash step
// are skipped (the machine was down), and that crash step then does nothing.
// After any crash, the next step that touches the file system first restarts
// it (`ctl restart`). CRASHLAB_STATE_DIR is a directory outside the mount,
// kept across the crash: the place for the program's own oracle (what it
// acknowledged), since the oracle must live outside the faulty file system.
//
// Runs of a scenario: first the scenario as written; then, if the scenario
// has crash_points, one run per selected crash point x crash mode. Crash
// point P (a daemon operation index of the first run, restricted to the ops
// of exec steps) means: the power is cut right after operation P — through a
// `crash` rule on operation P+1, or, when P is the last operation of its
// step, by `ctl crash` when that step ends.
//
// Verdict: per run, each check's invariant held or was violated; counted
// over runs like crash states in sim mode (reports::ScenarioResult). A run
// that cannot complete (the mount fails, an exec step fails unexpectedly)
// makes the scenario an error.

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/workload/crash_points.h"

namespace crashlab::harness {

struct ExecOptions {
  std::optional<uint64_t> seed;  // replaces the scenario's seed
  ShardSpec
      shard;  // splits the crash point runs; the first run counts in shard 1
  std::string work_root;       // per-run work dirs go here ("" = the temporary
                               // directory, $TMPDIR)
  std::string faultfs_binary;  // "" = FindFaultfsBinary()
  bool fail_fast = false;      // stop after the first run with a violated check
  bool keep_work_dirs =
      false;  // keep backing dirs and state dirs for inspection
  // Called after each run with a one-line summary (progress); may be empty.
  std::function<void(const std::string&)> on_run;
};

// One workload step of one run.
struct ExecStepOutcome {
  size_t step = 0;  // index in the workload
  std::string op;   // "exec", "check", "crash", "sync", "inject", "clear"
  std::string name;
  std::vector<std::string>
      command;  // as run (a shell step: /bin/sh -c ...); empty for built-ins
  // "ok", "failed", "failed (allowed)", "timed out", "crashed", "held",
  // "violated", "skipped", "error"
  std::string outcome;
  std::string detail;  // what happened, one line
  int exit_code = -1;  // commands: exit status, -1 if none
  bool timed_out = false;
  std::string out, err;    // commands: captured output (bounded)
  uint64_t ops_begin = 0;  // daemon op indices this step issued: [begin, end)
  uint64_t ops_end = 0;
  double seconds = 0;
  std::string invariant;  // checks
  bool violated = false;  // checks
};

struct ExecRun {
  std::optional<uint64_t> crash_point;  // nullopt: the scenario as written
  std::string crash_mode;               // of the first power cut ("" = none)
  std::string label;                    // "as written", "crash point 57 (drop)"
  // The first power cut: right after this op (nullopt: none happened), how.
  std::optional<uint64_t> crash_after;
  std::string crash;  // e.g. "crash step 3 (drop) after op 211"
  std::vector<ExecStepOutcome> steps;
  std::vector<std::string> notes;
  std::string error;  // the run could not complete
  uint64_t ops = 0;   // daemon ops issued in all
  double seconds = 0;
  // Around the first crash (or the end), from the daemon: trace window and
  // every injected fault; fetched only when a check was violated.
  nlohmann::json trace = nlohmann::json::array();
  nlohmann::json faults = nlohmann::json::array();
  // What the first power cut took, per file (faultfs::CrashLoss::ToJson():
  // unsynced byte ranges dropped, namespace ops rolled back with the
  // directories whose fsync was missing, each file's last fsync), from the
  // daemon right after the cut; null when there was none.
  nlohmann::json loss;

  // Per invariant of the scenario: violated in this run? (nullopt: no check
  // with that id ran). The message is the first violated check's detail.
  std::optional<bool> Violated(const std::string& invariant,
                               std::string* message = nullptr) const;
};

struct ExecResult {
  Scenario scenario;
  uint64_t seed = 0;  // effective
  std::vector<ExecRun>
      runs;  // the first run, then the crash point runs of this shard
  std::vector<uint64_t> points;  // crash points of this shard
  std::string error;             // first run error ("" = every run completed)
  bool environment_error =
      false;  // the error is the environment's (no mount possible)
  bool count_first_run =
      true;              // false in shards other than 1: reported, not counted
  bool stopped = false;  // fail_fast left crash point runs out
  double seconds = 0;
};

// One line: the run's label, its power cut, each check's verdict, an error.
std::string DescribeRun(const ExecRun& run);

// Runs an exec scenario. REQUIRES: scenario.has_exec(), validated.
ExecResult RunExecScenario(const Scenario& scenario,
                           const ExecOptions& options);

}  // namespace crashlab::harness
