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
exit $fail
