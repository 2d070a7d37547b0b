#!/usr/bin/env bash
# Bounded soak of the faultfs daemon: 8 writers + 8 readers on a mount, a
# crash + restart every 200 ms, seeded random fault rules; every fsync'd byte
# is checked after every crash against a model kept outside the mount; the
# daemon's RSS is sampled (scripts/soak.py). Fails on loss, a hang, a dead
# daemon, a mount left behind, or (runs of 60 s or more) more than 8 MB of
# daemon RSS growth over the second half of the run.
#
# usage: scripts/soak.sh [SECONDS] [SEED]   (default 300 s, seed 1)
# Environment: FAULTFS (the faultfs binary; default build/dev/faultfs/faultfs,
# built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
seed="${2:-1}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 || seconds > 86400 )); then
  echo "soak.sh: SECONDS must be an integer in [1, 86400], got '$seconds'" >&2; exit 2
fi
if ! [[ "$seed" =~ ^[0-9]+$ ]]; then
  echo "soak.sh: SEED must be a non-negative integer, got '$seed'" >&2; exit 2
fi
if [[ ! -e /dev/fuse ]]; then
  echo "soak.sh: /dev/fuse is missing: the soak needs FUSE" >&2
  [[ "${CRASHLAB_REQUIRE_FUSE:-0}" == 1 ]] && exit 3
  exit 77  # ctest: skipped
fi
FAULTFS="${FAULTFS:-build/dev/faultfs/faultfs}"
if [[ ! -x "$FAULTFS" ]]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev --target faultfs -j"$(nproc)"
fi
W="$(mktemp -d)"
mnt="$W/mnt"
mkdir -p "$W/backing" "$mnt"
cleanup() {
  if grep -qs " $mnt " /proc/mounts; then fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
# An ASan build keeps freed memory in quarantine (up to 256 MB): keep it
# small so that the RSS figures show the daemon, not the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=4:detect_leaks=1}"
# --trace-memory 4096: the daemon's in-memory trace ring is full after a few
# seconds, so the RSS check after warm-up sees any growth that is a leak.
timeout 30 "$FAULTFS" mount "$W/backing" "$mnt" --control "$W/ctl.sock" --seed "$seed" \
  --trace-memory 4096
# The RSS check (at most 8 MB of growth over the second half) needs a run
# long enough to warm up: 60 s or more.
rss_limit=8192
(( seconds < 60 )) && rss_limit=0
rc=0
timeout $((seconds + 120)) python3 scripts/soak.py --faultfs "$FAULTFS" --mnt "$mnt" \
  --sock "$W/ctl.sock" --seconds "$seconds" --seed "$seed" \
  --max-rss-growth-kb "$rss_limit" || rc=$?
pid="$(timeout 10 "$FAULTFS" ctl --control "$W/ctl.sock" status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' || true)"
timeout 30 fusermount3 -u "$mnt" || { echo "soak.sh: FAILED: unmount failed"; rc=1; }
for _ in $(seq 50); do [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && sleep 0.1; done
if grep -qs " $mnt " /proc/mounts; then echo "soak.sh: FAILED: stale mount $mnt"; rc=1; fi
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "soak.sh: FAILED: daemon $pid still running after unmount"; rc=1; fi
[[ $rc == 0 ]] && echo "soak.sh: ok (${seconds}s, seed $seed): no loss, no hang, daemon alive until unmount, no stale mount"
exit $rc
