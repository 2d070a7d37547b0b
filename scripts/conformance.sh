#!/usr/bin/env bash
# POSIX conformance of faultfs with pjdfstest: builds pjdfstest under
# build/pjdfstest from its source (PJDFSTEST_SRC), mounts a fresh faultfs
# with --allow-other on a scratch backing dir, runs every pjdfstest file as
# root from a fresh directory inside the mount, and prints the failed
# subtests per test group and in total (a subtest planned but never run
# counts as failed).
#
# usage: PJDFSTEST_SRC=DIR scripts/conformance.sh [GROUP...]
#   GROUP: a directory of pjdfstest's tests/ (chmod, rename, ...); default all.
# Environment:
#   PJDFSTEST_SRC  pjdfstest source tree (required; it is copied, not changed)
#   FAULTFS        the faultfs binary (default build/dev/faultfs/faultfs,
#                  built if missing)
# Exit: 0 the suite ran (whatever the failure count), 2 bad usage,
#       3 environment (no source, not root, no FUSE, build tools missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$PWD"

if [[ -z "${PJDFSTEST_SRC:-}" ]]; then
  echo "conformance.sh: PJDFSTEST_SRC is not set: point it at a pjdfstest" \
       "source tree (https://github.com/pjd/pjdfstest; it needs autoconf," \
       "automake and a C compiler to build)" >&2
  exit 3
fi
if [[ ! -f "$PJDFSTEST_SRC/pjdfstest.c" || ! -d "$PJDFSTEST_SRC/tests" ]]; then
  echo "conformance.sh: PJDFSTEST_SRC=$PJDFSTEST_SRC is not a pjdfstest" \
       "source tree (no pjdfstest.c and tests/)" >&2
  exit 3
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "conformance.sh: pjdfstest must run as root (it changes owners and" \
       "creates device nodes)" >&2
  exit 3
fi
if [[ ! -e /dev/fuse ]] || ! command -v fusermount3 >/dev/null; then
  echo "conformance.sh: FUSE is not usable (/dev/fuse or fusermount3" \
       "missing: apt-get install fuse3)" >&2
  exit 3
fi
for tool in autoreconf make cc; do
  if ! command -v "$tool" >/dev/null; then
    echo "conformance.sh: $tool is missing (scripts/install-deps.sh installs" \
         "autoconf, automake, libtool and build-essential)" >&2
    exit 3
  fi
done
groups=("$@")
for g in "${groups[@]}"; do
  if [[ ! "$g" =~ ^[a-z_]+$ || ! -d "$PJDFSTEST_SRC/tests/$g" ]]; then
    echo "conformance.sh: no test group '$g' in $PJDFSTEST_SRC/tests" >&2
    exit 2
  fi
done

# --- build pjdfstest under build/ (once) ---
pjd="$root_dir/build/pjdfstest"
if [[ ! -x "$pjd/pjdfstest" ]]; then
  rm -rf "$pjd"
  mkdir -p "$root_dir/build"
  cp -r "$PJDFSTEST_SRC" "$pjd"
  echo "conformance.sh: building pjdfstest in build/pjdfstest" >&2
  (cd "$pjd" && autoreconf -ifs >/dev/null 2>&1 && ./configure >/dev/null &&
     make pjdfstest >/dev/null) || {
    echo "conformance.sh: building pjdfstest failed (see build/pjdfstest)" >&2
    exit 3
  }
fi

FAULTFS="${FAULTFS:-build/dev/faultfs/faultfs}"
if [[ ! -x "$FAULTFS" ]]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev --target faultfs -j2
fi
FAULTFS="$(cd "$(dirname "$FAULTFS")" && pwd)/$(basename "$FAULTFS")"

# --- a fresh mount ---
W="$(mktemp -d /tmp/faultfs-conformance-XXXXXX)"
chmod 755 "$W"
mnt="$W/mnt"
mkdir -p "$W/backing" "$mnt"
cleanup() {
  cd /
  if grep -qs " $mnt " /proc/mounts; then
    fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null || true
  fi
  rm -rf "$W"
}
trap cleanup EXIT
"$FAULTFS" mount "$W/backing" "$mnt" --allow-other --control "$W/ctl.sock"
mkdir "$mnt/t"
cd "$mnt/t"

# --- run every test file; count failed subtests per group ---
if [[ ${#groups[@]} -eq 0 ]]; then
  mapfile -t groups < <(cd "$pjd/tests" && find . -mindepth 1 -maxdepth 1 \
                          -type d -printf '%f\n' | sort)
fi
total_failed=0
total_planned=0
for g in "${groups[@]}"; do
  g_failed=0
  g_planned=0
  while IFS= read -r t; do
    out="$(timeout 600 sh "$t" 2>/dev/null || true)"
    read -r planned ran not_ok < <(printf '%s\n' "$out" | awk '
      /^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan = a[2] + 0 }
      /^ok / { ran++ }
      /^not ok / { ran++; bad++ }
      END { print plan + 0, ran + 0, bad + 0 }')
    missing=$(( planned > ran ? planned - ran : 0 ))
    g_failed=$(( g_failed + not_ok + missing ))
    g_planned=$(( g_planned + (planned > ran ? planned : ran) ))
  done < <(find "$pjd/tests/$g" -name '*.t' | sort)
  printf '%-16s %6d failed of %6d\n' "$g" "$g_failed" "$g_planned"
  total_failed=$(( total_failed + g_failed ))
  total_planned=$(( total_planned + g_planned ))
done
printf '%-16s %6d failed of %6d\n' "total" "$total_failed" "$total_planned"
