#!/usr/bin/env bash
# End-to-end test of the ckpt CLI: every command, exit codes 0/1/2/3,
# FILE:LINE:COLUMN for bad load input, catalog-missing refusal and rebuild.
# usage: ckpt_cli_test.sh PATH/TO/ckpt
set -u
CKPT="$1"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
D="$WORK/db"
fail=0

expect() {  # expect CODE DESCRIPTION -- command...
  local want="$1" what="$2"
  shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [[ "$got" != "$want" ]]; then
    echo "FAIL: $what: exit $got, want $want"; cat "$WORK/out" "$WORK/err"; fail=1
  else
    echo "ok: $what"
  fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if ! grep -q -- "$2" "$WORK/$1"; then echo "FAIL: $3: '$2' not in $1"; cat "$WORK/$1"; fail=1; fi
}

expect 0 "help" -- "$CKPT" --help
contains out "rebuild-catalog" "help lists commands"
expect 0 "version" -- "$CKPT" --version
contains out "^ckpt [0-9][0-9.]* (commit \([0-9a-f]\{7,\}\|unknown\))$" "version and commit"
expect 0 "help for a command" -- "$CKPT" load --help
contains out "FILE:LINE:COLUMN" "load help"
expect 2 "no command" -- "$CKPT" --dir "$D"
expect 2 "unknown command" -- "$CKPT" --dir "$D" frobnicate
expect 2 "unknown unsafe mode" -- "$CKPT" --dir "$D" --unsafe nope recover
expect 2 "bad option value" -- "$CKPT" --dir "$D" --partitions 0 recover
expect 3 "missing dir" -- "$CKPT" --dir "$WORK/none" recover
expect 0 "init" -- "$CKPT" --dir "$D" init
expect 2 "init twice" -- "$CKPT" --dir "$D" init
expect 0 "put" -- "$CKPT" --dir "$D" put alpha 1
expect 0 "get" -- "$CKPT" --dir "$D" get alpha
contains out "^1$" "get prints the value"
expect 1 "get absent" -- "$CKPT" --dir "$D" get beta
cat >"$WORK/good.jsonl" <<'JSONL'
{"op": "put", "key": "k1", "value": "v1"}
# a comment
{"key": "k2", "value": "v2"}
{"op": "del", "key": "alpha"}
{"op": "offset", "source": "topic-0", "offset": 17}
{"op": "watermark", "value": 99}
JSONL
expect 0 "load" -- "$CKPT" --dir "$D" load "$WORK/good.jsonl"
printf '{"key": "a", "value": "b"}\n{"key": "a", "value": }\n' >"$WORK/bad.jsonl"
expect 2 "load malformed" -- "$CKPT" --dir "$D" load "$WORK/bad.jsonl"
contains err "bad.jsonl:2:" "load error names file:line"
printf '{"op": "zap", "key": "a"}\n' >"$WORK/bad2.jsonl"
expect 2 "load unknown op" -- "$CKPT" --dir "$D" load "$WORK/bad2.jsonl"
expect 1 "nothing applied from bad file" -- "$CKPT" --dir "$D" get a
expect 0 "checkpoint 1" -- "$CKPT" --dir "$D" checkpoint
expect 0 "put 2" -- "$CKPT" --dir "$D" put k3 v3
expect 0 "checkpoint 2" -- "$CKPT" --dir "$D" checkpoint
contains out "incremental" "second checkpoint is incremental"
expect 0 "list" -- "$CKPT" --dir "$D" list
contains out "ckpt-0000000002" "list shows checkpoint"
expect 0 "verify all" -- "$CKPT" --dir "$D" verify
expect 0 "verify one" -- "$CKPT" --dir "$D" verify ckpt-0000000001
expect 1 "verify unknown id" -- "$CKPT" --dir "$D" verify ckpt-0000000099
expect 0 "inspect" -- "$CKPT" --dir "$D" inspect
contains out "VERIFIED" "inspect shows verification"
expect 0 "inspect json" -- "$CKPT" --dir "$D" inspect --json
contains out '"catalog_ok": true' "inspect json"
expect 0 "recover json" -- "$CKPT" --dir "$D" recover --json
contains out '"checkpoint": "ckpt-0000000002"' "recover names checkpoint"
expect 0 "gc" -- "$CKPT" --dir "$D" gc
expect 0 "scan" -- "$CKPT" --dir "$D" scan
contains out "k3" "scan lists keys"
# Damage: a missing state file is a named error, exit 1.
snap="$(ls "$D"/checkpoints/ckpt-0000000001/operators/kv/*.snap | head -1)"
mv "$snap" "$WORK/saved.snap"
expect 1 "verify detects missing state" -- "$CKPT" --dir "$D" verify ckpt-0000000001
contains out "state-missing" "verify names the problem"
mv "$WORK/saved.snap" "$snap"
# Lost catalog: refuse, delete nothing, rebuild explicitly.
mv "$D/checkpoints/CATALOG.json" "$WORK/CATALOG.json"
expect 1 "recover refuses without catalog" -- "$CKPT" --dir "$D" recover
contains err "catalog-missing" "refusal is named"
test -d "$D/checkpoints/ckpt-0000000001" || { echo "FAIL: a checkpoint was deleted"; fail=1; }
expect 0 "rebuild-catalog" -- "$CKPT" --dir "$D" rebuild-catalog
expect 2 "rebuild refuses to replace" -- "$CKPT" --dir "$D" rebuild-catalog
expect 0 "rebuild --force" -- "$CKPT" --dir "$D" rebuild-catalog --force
expect 0 "get after rebuild" -- "$CKPT" --dir "$D" get k3
contains out "^v3$" "value after rebuild"
# Issue 15: damaged catalog/manifest bytes are named corruption errors (exit
# 1), --json output stays valid JSON (invalid UTF-8 replaced), nothing is
# deleted, and 100,000 levels of nesting are refused before any recursion.
valid_json() {  # valid_json FILE DESCRIPTION
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$WORK/$1" 2>/dev/null; then
    echo "FAIL: $2: $1 is not valid UTF-8 JSON"; head -c 400 "$WORK/$1"; fail=1
  fi
}
still_there() {  # still_there DESCRIPTION
  test -f "$D/checkpoints/ckpt-0000000002/MANIFEST.json" || { echo "FAIL: $1: a checkpoint was deleted"; fail=1; }
}
cp "$D/checkpoints/CATALOG.json" "$WORK/good-catalog.json"
printf '\xff\xfe{' >"$D/checkpoints/CATALOG.json"
expect 1 "recover --json on non-UTF-8 catalog" -- "$CKPT" --dir "$D" recover --json
valid_json out "recover --json on non-UTF-8 catalog"
contains out "catalog-corrupt" "non-UTF-8 catalog is named"
expect 1 "inspect --json on non-UTF-8 catalog" -- "$CKPT" --dir "$D" inspect --json
valid_json out "inspect --json on non-UTF-8 catalog"
expect 1 "list on non-UTF-8 catalog" -- "$CKPT" --dir "$D" list --json
contains err "catalog-corrupt" "list names the damage"
cmp -s <(printf '\xff\xfe{') "$D/checkpoints/CATALOG.json" || { echo "FAIL: the damaged catalog was rewritten"; fail=1; }
still_there "non-UTF-8 catalog"
python3 -c 'import sys; n=100000; open(sys.argv[1],"w").write("{\"catalog\":"+"["*n+"]"*n+",\"sha256\":\"x\"}")' "$D/checkpoints/CATALOG.json"
for cmd in recover list inspect; do
  expect 1 "$cmd on a catalog nested 100000 deep" -- "$CKPT" --dir "$D" "$cmd"
  cat "$WORK/out" >>"$WORK/err"
  contains err "catalog-corrupt: nesting deeper than 64" "$cmd names the nesting"
done
expect 1 "recover --json on a deep catalog" -- "$CKPT" --dir "$D" recover --json
valid_json out "recover --json on a deep catalog"
expect 0 "rebuild-catalog replaces an unreadable (deep) catalog" -- "$CKPT" --dir "$D" rebuild-catalog
contains out "catalog rebuilt with 2 checkpoints" "rebuild after a deep catalog"
still_there "deep catalog"
cp "$WORK/good-catalog.json" "$D/checkpoints/CATALOG.json"
M="$D/checkpoints/ckpt-0000000002/MANIFEST.json"
cp "$M" "$WORK/good-manifest.json"
python3 -c 'import sys; p=sys.argv[1]; b=open(p,"rb").read(); i=b.index(b"\"operator\""); open(p,"wb").write(b[:i+12]+b"\xff"+b[i+12:])' "$M"
expect 1 "inspect --json on a non-UTF-8 manifest" -- "$CKPT" --dir "$D" inspect --json
valid_json out "inspect --json on a non-UTF-8 manifest"
contains out "manifest-corrupt" "non-UTF-8 manifest is named"
"$CKPT" --dir "$D" recover --json >"$WORK/out" 2>"$WORK/err"
rc=$?
if [[ $rc -gt 3 ]]; then echo "FAIL: recover --json on a non-UTF-8 manifest: exit $rc"; fail=1; else echo "ok: recover --json on a non-UTF-8 manifest (exit $rc)"; fi
valid_json out "recover --json on a non-UTF-8 manifest"
python3 -c 'import sys; n=100000; open(sys.argv[1],"w").write("{\"manifest\":"+"{\"a\":"*n+"1"+"}"*n+",\"sha256\":\"x\"}")' "$M"
expect 1 "inspect on a manifest nested 100000 deep" -- "$CKPT" --dir "$D" inspect
contains out "manifest-corrupt: nesting deeper than 64" "inspect names the nesting"
expect 0 "rebuild-catalog --force skips the deep manifest" -- "$CKPT" --dir "$D" rebuild-catalog --force
contains out "skipped: .*manifest-corrupt: nesting deeper than 64" "rebuild names the skipped manifest"
test -f "$M" || { echo "FAIL: the deep manifest was deleted"; fail=1; }
cp "$WORK/good-manifest.json" "$M"
expect 0 "rebuild-catalog --force after repair" -- "$CKPT" --dir "$D" rebuild-catalog --force
expect 0 "get after repair" -- "$CKPT" --dir "$D" get k3
# The checkpoint log and HEAD: derived from the catalog, checked and repaired.
expect 0 "log" -- "$CKPT" --dir "$D" log
contains out "catalogued" "log records match the catalog"
expect 0 "log json" -- "$CKPT" --dir "$D" log --json
contains out '"consistent": true' "log json"
expect 0 "head" -- "$CKPT" --dir "$D" head
contains out "(ok)" "head names the newest"
newest="$("$CKPT" --dir "$D" head --json | sed -n 's/.*"catalog_newest": "\(.*\)".*/\1/p')"
echo "ckpt-0000000001" >"$D/checkpoints/HEAD"
expect 1 "stale head detected" -- "$CKPT" --dir "$D" head
contains out "(stale)" "head names the problem"
expect 0 "recover rewrites a stale head" -- "$CKPT" --dir "$D" recover
contains out "HEAD: stale (ckpt-0000000001) (rewritten)" "recover reports the stale head"
expect 0 "head after recover" -- "$CKPT" --dir "$D" head
contains out "HEAD: $newest (ok)" "head repaired"
# The LATEST hint: shown by inspect and recover against the catalog, never believed.
expect 0 "inspect shows the LATEST hint" -- "$CKPT" --dir "$D" inspect
contains out "LATEST hint: $newest  ok" "inspect: LATEST ok"
echo "ckpt-0000000001" >"$D/checkpoints/LATEST"
expect 0 "inspect: a stale LATEST is a hint, not damage" -- "$CKPT" --dir "$D" inspect --json
contains out '"latest_status": "stale"' "inspect json names the stale hint"
expect 0 "recover ignores a stale LATEST" -- "$CKPT" --dir "$D" recover --json
contains out '"latest_status": "stale"' "recover json: latest_status"
contains out '"checkpoint": "'"$newest"'"' "recover loads the catalog's newest"
contains out 'latest-hint-stale: ' "recover json: named warning"
printf 'garbage' >"$D/checkpoints/LATEST"
expect 0 "recover ignores a garbage LATEST" -- "$CKPT" --dir "$D" recover
contains out "LATEST: invalid" "recover text: invalid hint"
contains out "warning: latest-hint-invalid: " "recover text: named warning"
echo "$newest" >"$D/checkpoints/LATEST"
size=$(stat -c %s "$D/checkpoints/CHECKPOINTS.log")
truncate -s $((size - 5)) "$D/checkpoints/CHECKPOINTS.log"
expect 1 "torn log detected" -- "$CKPT" --dir "$D" log
contains out "torn-tail" "log names the damage"
expect 0 "recover repairs the log" -- "$CKPT" --dir "$D" recover
contains out "checkpoint log: torn-tail" "recover reports the torn log"
contains out "rewritten from the catalog" "recover rewrites the log"
expect 0 "log after repair" -- "$CKPT" --dir "$D" log
expect 0 "compact" -- "$CKPT" --dir "$D" compact
contains out "checkpoint log compacted" "compact reports"
expect 0 "compact json" -- "$CKPT" --dir "$D" compact --json
contains out '"records_after"' "compact json"
# Shard count: another partition count is refused unless resharded.
expect 1 "other partition count refused" -- "$CKPT" --dir "$D" --partitions 8 get k3
contains err "shard-count-mismatch" "refusal is named"
expect 2 "reshard bad count" -- "$CKPT" --dir "$D" reshard zero
expect 0 "reshard" -- "$CKPT" --dir "$D" reshard 8
contains out "resharded 4 -> 8 partitions" "reshard reports"
expect 0 "reshard again is a no-op" -- "$CKPT" --dir "$D" --json reshard 8
contains out '"from": 0' "reshard json"
expect 0 "get with the new count" -- "$CKPT" --dir "$D" --partitions 8 get k3
contains out "^v3$" "value after reshard"
expect 1 "old count now refused" -- "$CKPT" --dir "$D" get k3
exit $fail
