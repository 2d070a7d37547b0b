#!/usr/bin/env bash
# Regenerates the committed seed corpora tests/fuzz/<target>/seed-* from real
# files: an engine directory written by `ckpt` (catalog, manifests, state
# files, WAL segments), the fault rules of the shipped scenarios, a real
# report.json from `crashlab run`, real worker-protocol lines from
# `crashlab worker` and the control commands of faultfs/README.md.
# usage: scripts/fuzz-seeds.sh [BUILD_DIR]   (default build/dev; needs ckpt
# and crashlab built there)
set -euo pipefail
cd "$(dirname "$0")/.."
B="${1:-build/dev}"
CKPT="$B/bin/ckpt"
CRASHLAB="$B/bin/crashlab"
[[ -x "$CKPT" ]] || { echo "fuzz-seeds: $CKPT is missing: build it first (cmake --build --preset dev --target ckpt crashlab faultfs)"; exit 2; }
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
F=tests/fuzz
mkdir -p $F/{catalog,manifest,state_file,wal,load_file,scenario,worker_protocol,rules,control,report}
rm -f $F/{catalog,manifest,state_file,wal,load_file,scenario,rules,control}/seed-*
[[ -x "$CRASHLAB" ]] && rm -f $F/{worker_protocol,report}/seed-*

# Engine files.
D="$W/db"
"$CKPT" --dir "$D" --partitions 2 init >/dev/null
printf '{"op":"put","key":"k1","value":"v1"}\n{"op":"del","key":"k0"}\n{"op":"offset","source":"topic-0","offset":7}\n{"op":"watermark","value":3}\n' >"$W/load.jsonl"
cp "$W/load.jsonl" $F/load_file/seed-ops.jsonl
"$CKPT" --dir "$D" load "$W/load.jsonl" >/dev/null
"$CKPT" --dir "$D" checkpoint >/dev/null
"$CKPT" --dir "$D" put k2 "v2 with spaces" >/dev/null
"$CKPT" --dir "$D" del k1 >/dev/null
"$CKPT" --dir "$D" checkpoint >/dev/null
"$CKPT" --dir "$D" put k3 v3 >/dev/null
cp "$D/checkpoints/CATALOG.json" $F/catalog/seed-CATALOG.json
n=0
for m in "$D"/checkpoints/ckpt-*/MANIFEST.json; do
  n=$((n + 1)); cp "$m" "$F/manifest/seed-MANIFEST-$n.json"
done
# state_file inputs: one selector byte (bit 0 delta, bits 1-2 partition), then the file.
for s in "$D"/checkpoints/ckpt-*/operators/*/*; do
  base="$(basename "$s")"
  part="$(echo "$base" | sed -n 's/.*-\([0-9]*\)\.\(snap\|delta\)$/\1/p')"
  delta=0; [[ "$base" == *.delta ]] && delta=1
  sel=$(( delta | (${part:-0} << 1) ))
  { printf "\\x$(printf %02x $sel)"; cat "$s"; } >"$F/state_file/seed-$(basename "$(dirname "$(dirname "$(dirname "$s")")")")-$base"
done
for w in "$D"/wal/*; do cp "$w" "$F/wal/seed-$(basename "$w")"; done

# Scenario files: the shipped suite is used as a seed directory directly by
# scripts/fuzz.sh; two small ones are committed here.
cp scenarios/basic-put-sync.json scenarios/torn-wal-tail.json $F/scenario/
for f in $F/scenario/basic-put-sync.json $F/scenario/torn-wal-tail.json; do mv "$f" "$F/scenario/seed-$(basename "$f")"; done

# Fault rules: every rule of the shipped scenarios ("faults" and "inject"
# steps), as a JSON array file and as a JSON-lines file per scenario.
python3 - "$F/rules" scenarios/*.json scenarios/unsafe/*.json <<'PY'
import json, sys
out = sys.argv[1]
def rules_in(v):
    if isinstance(v, dict):
        if "action" in v and "op" in v:
            yield v
        for x in v.values():
            yield from rules_in(x)
    elif isinstance(v, list):
        for x in v:
            yield from rules_in(x)
for path in sys.argv[2:]:
    try:
        rules = list(rules_in(json.load(open(path))))
    except (OSError, ValueError):
        continue
    if rules:
        name = path.split("/")[-1].removesuffix(".json")
        open(f"{out}/seed-{name}.json", "w").write(json.dumps(rules, indent=1) + "\n")
        open(f"{out}/seed-{name}.jsonl", "w").write("".join(json.dumps(r) + "\n" for r in rules))
PY
# Control commands (faultfs/README.md), one request per line.
cat >$F/control/seed-commands.txt <<'TXT'
{"cmd":"status"}
{"cmd":"inject","rule":{"op":"fsync","path":"*.log","action":"error","errno":"EIO","nth":2}}
{"cmd":"inject","rule":"{\"op\":\"write\",\"action\":\"torn\",\"always\":true}"}
{"cmd":"crash","mode":"prefix:3"}
{"cmd":"crash","mode":"torn:7"}
{"cmd":"restart"}
{"cmd":"faults","since":0,"clear":true}
{"cmd":"damage","ino":5,"rule":{"action":"corrupt","bits":3}}
{"cmd":"report"}
{"cmd":"nope"}
TXT

if [[ ! -x "$CRASHLAB" ]]; then
  echo "fuzz-seeds: $CRASHLAB is missing: report and worker_protocol seeds not regenerated"
  ls $F/*/seed-* | wc -l
  exit 0
fi
# A real run: report.json and the worker's protocol lines.
"$CRASHLAB" run scenarios/basic-put-sync.json --report-dir "$W/rep" >/dev/null 2>&1 || true
[[ -f "$W/rep/report.json" ]] || { echo "fuzz-seeds: crashlab run wrote no report.json"; exit 3; }
cp "$W/rep/report.json" $F/report/seed-report.json
"$CRASHLAB" run scenarios/unsafe/ack-before-fsync.json --report-dir "$W/rep2" >/dev/null 2>&1 || true
[[ -f "$W/rep2/report.json" ]] && cp "$W/rep2/report.json" $F/report/seed-report-violation.json

# Worker protocol: the real JSON lines of `crashlab worker` on a faultfs mount.
FAULTFS="$B/bin/faultfs"
[[ -x "$FAULTFS" ]] || FAULTFS="$B/faultfs/faultfs"
if [[ -x "$FAULTFS" && -e /dev/fuse ]]; then
  mkdir -p "$W/back" "$W/mnt"
  trap 'fusermount3 -u "$W/mnt" 2>/dev/null; rm -rf "$W"' EXIT
  timeout 20 "$FAULTFS" mount "$W/back" "$W/mnt" --control "$W/ctl.sock"
  timeout 60 "$CRASHLAB" worker workload --scenario scenarios/basic-put-sync.json --seed 1 \
    --root "$W/mnt" --control "$W/ctl.sock" --stop-after 12 >$F/worker_protocol/seed-workload.jsonl 2>/dev/null || true
  timeout 20 "$FAULTFS" ctl --control "$W/ctl.sock" crash >/dev/null || true
  timeout 60 "$CRASHLAB" worker recover --scenario scenarios/basic-put-sync.json --seed 1 \
    --root "$W/mnt" --control "$W/ctl.sock" >$F/worker_protocol/seed-recover.jsonl 2>/dev/null || true
  fusermount3 -u "$W/mnt"
else
  echo "fuzz-seeds: no faultfs binary or /dev/fuse: worker_protocol seeds not regenerated"
fi
ls $F/*/seed-* | wc -l
