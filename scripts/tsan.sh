#!/usr/bin/env bash
# ThreadSanitizer over the multi-threaded code: preset `tsan` builds only the
# test binaries named by its CRASHLAB_TEST_FILTER (plus the faultfs daemon,
# which the FUSE tests run under tsan too), then runs the threaded cases:
# the engine's background flusher, concurrent fault-rule evaluation, the
# daemon and its control socket, crash while writers run, and --jobs.
# Any data race or lock-order inversion fails the run (halt_on_error=1).
# usage: scripts/tsan.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$(nproc)" --target faultfs engine_test \
  faultfs_fault_rule_test faultfs_fuse_control_test faultfs_fuse_crash_test \
  harness_determinism_test
# The daemon is a separate (tsan-built) process: make its reports fail the
# tests too, through its exit code and stderr (kept in the test output).
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 exitcode=66"
ctest --preset tsan -R \
  'EngineBasic\.BackgroundFlusher|FaultInjectorTest\.Concurrent|FuseControl\.|FuseCrash\.|Determinism\.SameResultsTwiceAndWhateverTheJobCount' \
  "$@"
