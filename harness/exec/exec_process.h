#pragma once
// Runs one user command for exec mode: in its own process group, with a
// working directory, extra environment variables, stdin from /dev/null,
// stdout and stderr captured (bounded), a timeout, and a stop condition
// polled while it runs. Whatever ends the command — its exit, the timeout,
// the stop condition — the whole process group is then SIGKILLed, so no
// background process it started outlives it (and keeps a mount busy).
// A process that left the group (a daemon calling setsid(), like
// `redis-server --daemonize yes`) is found by /proc: its environment holds
// the marker variable CRASHLAB_EXEC_TOKEN (unique per RunProcess call,
// inherited by everything the command starts), or — for programs that
// overwrite their environment block to set their process title, as
// redis-server does — its working directory, root or an open file lies
// under one of spec.owned_paths (exec mode: the mount and the state
// directory). Those are SIGKILLed too, and RunProcess waits until they are
// gone, so nothing the command started survives into the next step or crash
// state.
//
//   ProcessSpec spec{.argv = {"sqlite3", "test.db", "SELECT 1;"}, .cwd = mnt,
//   .timeout_ms = 5000}; auto r = RunProcess(spec); if (!r.ok()) ... // could
//   not even start: spawn error with errno r->exit_code, r->timed_out, r->out,
//   r->err
//
// A program that cannot be executed (not found, not executable) is not an
// error of RunProcess: it is reported like a shell does, exit code 127 (126
// when it exists but cannot run) with the reason in `err`.
//
// Thread safety: RunProcess may be called from several threads; each call
// owns its child. Children are registered with RegisterChild (fuse_mount.h)
// while they run, so an interrupted crashlab kills them.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "faultfs/status.h"

namespace crashlab::harness {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::string cwd;                // "" = crashlab's own
  std::vector<std::pair<std::string, std::string>>
      env;  // added to (or replacing in) crashlab's
  uint64_t timeout_ms = 10000;
  // Bytes of each stream kept: the first quarter and the last three
  // quarters of this limit, with a note of how many bytes were cut between.
  size_t output_limit = 16384;
  // Polled about every poll_ms while the command runs; returning true kills
  // the process group at once (exec mode: the power was cut).
  std::function<bool()> stop;
  uint64_t poll_ms = 20;
  // Directories whose users are the command's leftovers once it ended
  // (see above); processes in exclude_pids (a FUSE daemon) are spared.
  std::vector<std::string> owned_paths;
  std::vector<int> exclude_pids;
};

struct ProcessResult {
  int exit_code = -1;  // exit status, or -1 when ended by a signal
  int signal = 0;  // the signal that ended it (SIGKILL after a timeout or stop)
  bool timed_out = false;
  bool stopped = false;  // ended because `stop` returned true
  std::string out, err;  // captured, possibly cut (see output_limit)
  double seconds = 0;
  // Processes the command left running outside its process group, killed
  // when it ended: "redis-server (pid 1234)".
  std::vector<std::string> escaped;
  // Set when one of them could not be killed within 5 s (with the reason).
  std::string escape_error;

  // "exit 0", "exit 1", "killed by signal 9", "timed out after 200 ms", ...
  std::string Describe(uint64_t timeout_ms) const;
};

faultfs::Result<ProcessResult> RunProcess(const ProcessSpec& spec);

// SIGKILLs every process (but crashlab and `exclude_pids`) whose environment
// holds CRASHLAB_EXEC_TOKEN=token, or whose cwd, root or an open file is
// under one of `owned_paths`, until none is left or `wait_ms` passed.
// Processes that exit meanwhile or cannot be read are skipped. Returns the
// killed ones as "COMM (pid N)"; an error if some survive the wait.
faultfs::Result<std::vector<std::string>> KillLeftovers(
    const std::string& token, const std::vector<std::string>& owned_paths,
    const std::vector<int>& exclude_pids, uint64_t wait_ms);

// The last `max_lines` non-empty lines of `text`, joined by " | " (for
// one-line messages).
std::string TailLines(const std::string& text, size_t max_lines);

}  // namespace crashlab::harness
