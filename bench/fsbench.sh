#!/usr/bin/env bash
# fsbench: faultfs (no faults) against a native directory and libfuse's
# passthrough examples (passthrough.c, passthrough_ll.c, compiled here from
# the libfuse3-dev documentation examples - they are not part of the repo).
#
#   bench/fsbench.sh BUILD_DIR [WORK_DIR]
#
# BUILD_DIR holds the built `faultfs` and `bench/fsmeta_bench` (a release
# build: cmake --preset release && cmake --build --preset release --target
# faultfs fsmeta_bench). WORK_DIR (default /tmp/fsbench) must be on a real
# disk. Needs fio, gcc, pkg-config, fuse3. Prints a Markdown table.
# Tunables: FIO_RUNTIME (seconds per job, default 5), META_N (default 2000).
set -euo pipefail

build=${1:?usage: bench/fsbench.sh BUILD_DIR [WORK_DIR]}
work=${2:-/tmp/fsbench}
runtime=${FIO_RUNTIME:-5}
meta_n=${META_N:-2000}
faultfs="$build/faultfs/faultfs"
meta="$build/bench/fsmeta_bench"
examples=/usr/share/doc/libfuse3-dev/examples
for tool in fio gcc pkg-config fusermount3; do
  command -v "$tool" >/dev/null || { echo "fsbench: $tool is missing (scripts/install-deps.sh)" >&2; exit 3; }
done
[ -x "$faultfs" ] && [ -x "$meta" ] || { echo "fsbench: build faultfs and fsmeta_bench in $build first" >&2; exit 2; }

mounts=()
cleanup() {
  for m in "${mounts[@]}"; do fusermount3 -u -z "$m" 2>/dev/null || true; done
}
trap cleanup EXIT

rm -rf "$work" && mkdir -p "$work/bin"
for ex in passthrough passthrough_ll; do
  src="$examples/$ex.c"
  [ -f "$src" ] || { [ -f "$src.gz" ] && gunzip -c "$src.gz" > "$work/bin/$ex.c" && src="$work/bin/$ex.c"; }
  cp "$examples/passthrough_helpers.h" "$work/bin/" 2>/dev/null || true
  gcc -O2 -Wall -I"$examples" -I"$work/bin" "$src" $(pkg-config fuse3 --cflags --libs) -o "$work/bin/$ex"
done

# target name -> directory the benchmarks run in
declare -A dir
mkdir -p "$work/native"
dir[native]="$work/native"

mkdir -p "$work/faultfs-backing" "$work/faultfs-mnt"
"$faultfs" mount "$work/faultfs-backing" "$work/faultfs-mnt" --control "$work/faultfs.sock"
mounts+=("$work/faultfs-mnt")
dir[faultfs]="$work/faultfs-mnt"

mkdir -p "$work/pt-mnt" "$work/pt-backing"
"$work/bin/passthrough" "$work/pt-mnt"  # mirrors /, so the backing dir is reached by its full path
mounts+=("$work/pt-mnt")
dir[passthrough]="$work/pt-mnt$work/pt-backing"

mkdir -p "$work/ptll-mnt" "$work/ptll-backing"
"$work/bin/passthrough_ll" -o source="$work/ptll-backing" "$work/ptll-mnt"
mounts+=("$work/ptll-mnt")
dir[passthrough_ll]="$work/ptll-mnt"

jobs=(seqwrite randwrite seqread randread fsyncwrite)
fio_args() {  # job -> fio options
  case $1 in
    seqwrite)   echo "--rw=write --bs=1M --size=256M" ;;
    randwrite)  echo "--rw=randwrite --bs=4k --size=64M" ;;
    seqread)    echo "--rw=read --bs=1M --size=256M" ;;
    randread)   echo "--rw=randread --bs=4k --size=64M" ;;
    fsyncwrite) echo "--rw=write --bs=4k --size=16M --fsync=1" ;;
  esac
}
declare -A result
targets=(native faultfs passthrough passthrough_ll)
for t in "${targets[@]}"; do
  for j in "${jobs[@]}"; do
    # The file exists durably before the job (file and directory fsync'd):
    # on faultfs a name never fsync'd into its directory is never written to
    # the backing disk at all, which would flatter the fsync job.
    python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644); os.fsync(fd); os.close(fd)
d = os.open(os.path.dirname(sys.argv[1]), os.O_RDONLY); os.fsync(d); os.close(d)' "${dir[$t]}/fio-$j"
    sync  # start every job with a clean page cache on the real disk
    out=$(fio --name="$j" --directory="${dir[$t]}" --filename="fio-$j" $(fio_args "$j") \
              --ioengine=psync --fallocate=none --runtime="$runtime" --time_based=0 \
              --output-format=json 2>/dev/null)
    result[$t,$j]=$(python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
side = j["write"] if j["write"]["io_bytes"] > 0 else j["read"]
print("%.0f MiB/s, %.0f IOPS" % (side["bw_bytes"] / 1048576, side["iops"]))' <<< "$out")
    rm -f "${dir[$t]}/fio-$j"
  done
  sync
  result[$t,meta]=$("$meta" "${dir[$t]}/meta" "$meta_n" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print("%.0f iter/s" % j["iter_per_s"])')
done

printf '| job |'; for t in "${targets[@]}"; do printf ' %s |' "$t"; done; echo
printf '|---|'; for t in "${targets[@]}"; do printf -- '---|'; done; echo
for j in "${jobs[@]}" meta; do
  printf '| %s |' "$j"
  for t in "${targets[@]}"; do printf ' %s |' "${result[$t,$j]}"; done
  echo
done
"$faultfs" ctl --control "$work/faultfs.sock" status >&2
