#!/usr/bin/env bash
# Builds crashlab's .deb, checks its control fields and contents, installs it
# with apt into a clean Debian 12 root made by debootstrap, and runs the
# shipped suite there (chroot, sim mode) with the installed binaries.
#
# usage: scripts/package-test.sh [--deb FILE] [BUILD_DIR]
#   BUILD_DIR   where to build the package (default build/package: Release,
#               no tests); --deb FILE tests an existing package instead.
# environment:
#   CRASHLAB_DEBIAN_MIRROR     apt mirror (default http://deb.debian.org/debian)
#   CRASHLAB_PACKAGE_ROOT_TAR  a tarball of a fresh debootstrap root: used when
#                              it exists, written after debootstrap when not
#   CRASHLAB_REQUIRE_TOOLS=1   no clean root possible is a failure, not a skip
# Needs root (debootstrap, chroot, mounting /proc) and debootstrap. Without
# them it says so, checks the package extracted with dpkg-deb instead
# (contents, relocatable binaries, the suite) and exits 77 (ctest: skipped),
# because the clean-system install was not tested.
set -euo pipefail
cd "$(dirname "$0")/.."
src="$PWD"

deb=""
if [ "${1:-}" = "--deb" ]; then deb="$(realpath "$2")"; shift 2; fi
build="${1:-build/package}"
mirror="${CRASHLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
started=$SECONDS
say() { echo "package-test: $*"; }
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

# ------------------------------------------------------------ the package
if [ -z "$deb" ]; then
  say "building the .deb in $build (Release, crashlab faultfs ckpt)"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCRASHLAB_BUILD_TESTS=OFF -DCRASHLAB_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" --target crashlab faultfs ckpt -j"$(nproc)"
  rm -f "$build"/crashlab_*.deb
  (cd "$build" && cpack -G DEB >/dev/null)
  deb="$(realpath "$build"/crashlab_*.deb)"
fi
[ -f "$deb" ] || fail "no package at $deb"
say "package $deb ($(du -k "$deb" | cut -f1) KiB, built in $((SECONDS - started)) s)"

fields="$(dpkg-deb -f "$deb" Package Version Architecture Depends Recommends)"
echo "$fields"
depends="$(dpkg-deb -f "$deb" Depends)"
for dep in fuse3 libfuse3-3 libboost-program-options1.74.0 libssl3 libc6 libstdc++6; do
  tr ',' '\n' <<<"$depends" | sed 's/ *(.*//; s/^ *//' | grep -qxF -- "$dep" ||
    fail "Depends does not name $dep: $depends"
done
contents="$(dpkg-deb -c "$deb" | awk '{print $6}')"
for f in ./usr/bin/crashlab ./usr/bin/faultfs ./usr/bin/ckpt \
         ./usr/share/crashlab/schemas/scenario.schema.json \
         ./usr/share/crashlab/schemas/report.schema.json \
         ./usr/share/crashlab/scenarios/basic-put-sync.json \
         ./usr/share/crashlab/scenarios/unsafe/skip-dir-fsync.json \
         ./usr/share/crashlab/scenarios/examples/sqlite3-full.json \
         ./usr/share/doc/crashlab/README.md ./usr/share/doc/crashlab/harness/README.md \
         ./usr/share/doc/crashlab/examples/ci/github-sharded.yml; do
  grep -qx -- "$f" <<<"$contents" || fail "$f is not in the package"
done
want_scenarios=$(find scenarios -name '*.json' ! -name '*.schema.json' | wc -l)
got_scenarios=$(grep -c '^\./usr/share/crashlab/scenarios/.*\.json$' <<<"$contents" || true)
[ "$want_scenarios" -eq "$got_scenarios" ] ||
  fail "the package holds $got_scenarios scenario files, the source tree $want_scenarios"
say "control fields and contents ok ($(wc -l <<<"$contents") entries, $got_scenarios scenarios)"

# Checks a run of the installed suite: exit 0, every expectation met, and as
# many sim scenarios as the source tree's run would have.
check_run() {  # check_run EXIT_CODE REPORT_JSON LOG
  local code="$1" report="$2" log="$3"
  tail -n 3 "$log"
  [ "$code" -eq 0 ] || { tail -n 40 "$log"; fail "crashlab run exited $code"; }
  python3 - "$report" <<'PY' || fail "report.json check failed"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
assert s["scenarios"] > 0 and s["expectation_unmet"] == 0, s
assert all(x["file"].startswith("/usr/share/crashlab/scenarios/") for x in r["scenarios"]), \
    "not the installed suite"
print(f"package-test: report: {s['scenarios']} scenarios, {s['crash_states']} crash states, "
      f"0 unmet, version {r['run']['crashlab_version']} commit {r['run']['commit']}")
PY
}

# ------------------------------------------------------ fallback: extracted
fallback() {
  say "FALLBACK: $1"
  say "FALLBACK: the clean Debian 12 install is NOT tested; checking the extracted package"
  local x
  x="$(mktemp -d)"
  trap 'rm -rf "$x"' EXIT
  dpkg-deb -x "$deb" "$x/root"
  # apt's view of the dependencies on this host.
  if apt-get install --simulate "$deb" >"$x/apt.log" 2>&1; then
    say "apt-get install --simulate: the dependencies resolve on this host"
  else
    cat "$x/apt.log"; fail "apt cannot resolve the package's dependencies"
  fi
  "$x/root/usr/bin/crashlab" --version
  "$x/root/usr/bin/faultfs" --version
  "$x/root/usr/bin/ckpt" --version
  mkdir "$x/run"
  set +e
  (cd "$x/run" && "$x/root/usr/bin/crashlab" run --jobs 2 --progress never \
    --report-dir reports >"$x/run.log" 2>&1)
  local code=$?
  set -e
  # Extracted, the suite lives under $x/root/usr/share: accept that prefix.
  sed -i "s|$x/root/usr/share/crashlab/scenarios/|/usr/share/crashlab/scenarios/|g" \
    "$x/run/reports/report.json"
  check_run "$code" "$x/run/reports/report.json" "$x/run.log"
  say "extracted package ok; SKIPPED the clean-root install ($((SECONDS - started)) s)"
  if [ "${CRASHLAB_REQUIRE_TOOLS:-0}" = 1 ]; then
    fail "CRASHLAB_REQUIRE_TOOLS=1: a clean Debian 12 root is required"
  fi
  exit 77
}

[ "$(id -u)" -eq 0 ] || fallback "not root (debootstrap, chroot and mount need root)"
command -v debootstrap >/dev/null || fallback "debootstrap is not installed (scripts/install-deps.sh)"

# ------------------------------------------------- a clean Debian 12 root
root="$(mktemp -d "${TMPDIR:-/tmp}/crashlab-pkg-root-XXXXXX")"
cleanup() {
  if mountpoint -q "$root/proc"; then umount "$root/proc" || umount -l "$root/proc"; fi
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tarball="${CRASHLAB_PACKAGE_ROOT_TAR:-}"
if [ -n "$tarball" ] && [ -f "$tarball" ]; then
  say "clean root from $tarball"
  tar -xf "$tarball" -C "$root"
else
  t=$SECONDS
  say "debootstrap --variant=minbase bookworm ($mirror)"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1; then
    tail -n 20 "$root.debootstrap.log"
    rm -f "$root.debootstrap.log"
    cleanup; trap - EXIT
    fallback "debootstrap failed (network or mirror; see above)"
  fi
  rm -f "$root.debootstrap.log"
  say "debootstrap done in $((SECONDS - t)) s"
  if [ -n "$tarball" ]; then tar -cf "$tarball" -C "$root" . && say "saved $tarball"; fi
fi
grep -q '^VERSION_ID="12"' "$root/etc/os-release" || fail "the root is not Debian 12"
if chroot "$root" dpkg-query -W crashlab >/dev/null 2>&1; then fail "crashlab already in the clean root"; fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"  # crashlab finds faultfs and the suite via /proc/self/exe

cp "$deb" "$root/tmp/"
t=$SECONDS
say "apt-get install ./$(basename "$deb") in the clean root"
chroot "$root" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$root/tmp/apt.log" 2>&1 || { cat "$root/tmp/apt.log"; fail "apt-get install failed"; }
say "installed in $((SECONDS - t)) s: $(chroot "$root" dpkg-query -W -f='${Package} ${Version} ${Status}' crashlab)"
chroot "$root" sh -c 'command -v fusermount3' >/dev/null || fail "fuse3 (fusermount3) was not pulled in"

chroot "$root" crashlab --version
chroot "$root" faultfs --version
chroot "$root" ckpt --version
chroot "$root" sh -ec 'ckpt --dir /tmp/db init >/dev/null; ckpt --dir /tmp/db put k v >/dev/null;
  test "$(ckpt --dir /tmp/db get k)" = v' || fail "ckpt init/put/get in the clean root"
chroot "$root" crashlab validate /usr/share/crashlab/scenarios >/dev/null ||
  fail "crashlab validate of the installed suite"

# The shipped suite, installed, from a directory without ./scenarios.
mkdir -p "$root/tmp/run"
t=$SECONDS
set +e
chroot "$root" sh -c 'cd /tmp/run && crashlab run --jobs 2 --progress never --report-dir reports' \
  >"$root/tmp/run.log" 2>&1
code=$?
set -e
say "crashlab run (installed suite, sim mode) took $((SECONDS - t)) s"
check_run "$code" "$root/tmp/run/reports/report.json" "$root/tmp/run.log"
say "ok: the .deb installs on a clean Debian 12 and runs the suite ($((SECONDS - started)) s in all)"
