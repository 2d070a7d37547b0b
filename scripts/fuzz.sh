#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (clang, ASan + UBSan, preset
# `fuzz`). Fails on a crash, a leak, a timeout (10 s per input) or an
# out-of-memory (2 GiB); the offending input is left in
# build/fuzz/artifacts/<target>/ and the command to keep it as a regression
# input is printed.
#
# usage: scripts/fuzz.sh [TARGET|all] [SECONDS]
#   TARGET   one of the targets below, or all (default)
#   SECONDS  fuzzing time per target (default 60)
# Environment: FUZZ_JOBS (parallel targets, default 1), FUZZ_NO_BUILD=1 to
# skip the configure/build step.
set -euo pipefail
cd "$(dirname "$0")/.."
ALL=(catalog manifest state_file wal load_file scenario worker_protocol rules control report)
target="${1:-all}"
seconds="${2:-60}"
if [[ "$target" == "all" ]]; then
  targets=("${ALL[@]}")
else
  ok=0
  for t in "${ALL[@]}"; do [[ "$t" == "$target" ]] && ok=1; done
  if [[ $ok == 0 ]]; then
    echo "fuzz.sh: unknown target '$target' (one of: ${ALL[*]} all)" >&2
    exit 2
  fi
  targets=("$target")
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 || seconds > 86400 )); then
  echo "fuzz.sh: SECONDS must be an integer in [1, 86400], got '$seconds'" >&2
  exit 2
fi
command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 is missing (bash scripts/install-deps.sh)" >&2; exit 3; }

if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
  cmake --preset fuzz >/dev/null
  build_targets=()
  for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
  cmake --build --preset fuzz -j"$(nproc)" --target "${build_targets[@]}"
fi

# Extra read-only seed directories: real files that are not copied into
# tests/fuzz (the shipped scenarios, the report test data).
extra_seeds() {
  case "$1" in
    scenario) echo "scenarios tests/harness/fuzz_regressions" ;;
    report) echo "tests/reports/data" ;;
    *) echo "" ;;
  esac
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fail=0
run_one() {
  local t="$1"
  local work="build/fuzz/corpus/$t" art="build/fuzz/artifacts/$t/"
  mkdir -p "$work" "$art"
  local log="build/fuzz/$t.log"
  # shellcheck disable=SC2046
  if build/fuzz/fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=16384 -print_final_stats=1 -artifact_prefix="$art" \
      "$work" "tests/fuzz/$t" $(extra_seeds "$t") >"$log" 2>&1; then
    local runs
    runs="$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')"
    local cov
    cov="$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')"
    echo "fuzz $t: ok, ${runs:-?} inputs in ${seconds}s, coverage ${cov:-?} edges"
  else
    echo "fuzz $t: FAILED (log: $log)"
    grep -E 'ERROR|SUMMARY|FUZZ_CHECK|Test unit written' "$log" | head -20
    for f in "$art"*; do
      [[ -f "$f" ]] && echo "  keep it as a regression input: cp $f tests/fuzz/$t/crash-$(basename "$f" | sed 's/^[a-z]*-//')"
    done
    return 1
  fi
}

jobs="${FUZZ_JOBS:-1}"
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if (( ${#pids[@]} >= jobs )); then
    wait "${pids[0]}" || fail=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail
