#!/usr/bin/env python3
"""The shipped suite run as N local shards plus `crashlab report merge` equals
the unsharded run, apart from timings and paths; and the exit codes of shards
and merge (issue 12: a shard fails only for what is wrong inside it, the merge
judges expectations).

usage: shard_merge_test.py CRASHLAB SOURCE_DIR [SHARDS]

Runs from SOURCE_DIR (scenario paths in the reports are then relative, as in
CI). Exits 0 when every check holds, 1 naming each one that does not.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(args, cwd):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


# Keys that differ between two runs of the same work: when and how long.
TIMING_KEYS = {"started", "finished", "duration_seconds"}


def normalise(value, dirs):
    """Drops timings; replaces each report directory in strings by <DIR>."""
    if isinstance(value, dict):
        return {k: normalise(v, dirs) for k, v in value.items()
                if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [normalise(v, dirs) for v in value]
    if isinstance(value, str):
        for d in dirs:
            value = value.replace(d, "<DIR>")
        return value
    return value


def first_difference(a, b, where=""):
    if type(a) is not type(b):
        return f"{where or '/'}: {json.dumps(a)[:200]} vs {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}/{k}: only in one report"
            d = first_difference(a[k], b[k], f"{where}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} entries"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}/{i}")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {json.dumps(a)[:200]} vs {json.dumps(b)[:200]}"


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    crashlab = os.path.abspath(sys.argv[1])
    src = os.path.abspath(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    work = tempfile.mkdtemp(prefix="crashlab-shard-test-")
    try:
        return body(crashlab, src, n, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def body(crashlab, src, n, work):
    full = os.path.join(work, "full")
    code, out, err = run([crashlab, "run", "scenarios", "--jobs", "2",
                          "--progress", "never", "--report-dir", full], src)
    check(code == 0, f"unsharded run exits 0 (got {code})")
    if code != 0:
        print(out[-3000:], err[-3000:])

    shard_dirs = []
    deferred_lines = 0
    for i in range(1, n + 1):
        d = os.path.join(work, f"shard-{i}")
        shard_dirs.append(d)
        code, out, err = run([crashlab, "run", "scenarios", "--jobs", "2",
                              "--progress", "never", "--shard", f"{i}/{n}",
                              "--report-dir", d], src)
        # The bug of issue 12: shards without an unsafe scenario's violating
        # points exited 1 although nothing in them was wrong.
        check(code == 0, f"shard {i}/{n} exits 0 (got {code})")
        if code != 0:
            print(out[-3000:], err[-3000:])
        deferred_lines += sum(1 for l in out.splitlines()
                              if l.startswith("DEFER"))
        summary = open(os.path.join(d, "summary.md"), encoding="utf-8").read()
        check(not summary.startswith("## ❌"),
              f"shard {i}/{n} summary.md does not claim unmet expectations")
    check(deferred_lines > 0,
          f"some shard leaves an expected violation to the merge "
          f"({deferred_lines} DEFER lines)")

    merged = os.path.join(work, "merged")
    code, out, err = run([crashlab, "report", "merge", *shard_dirs,
                          "--out", merged], src)
    check(code == 0, f"report merge of {n} shards exits 0 (got {code}) {err}")

    a = load(os.path.join(full, "report.json"))
    b = load(os.path.join(merged, "report.json"))
    check(a["summary"]["expectation_unmet"] == 0,
          "unsharded report: 0 unmet expectations")
    check(b["summary"]["expectation_unmet"] == 0,
          "merged report: 0 unmet expectations")
    check(a["summary"]["crash_states"] > 0 and
          a["summary"]["crash_states"] == b["summary"]["crash_states"],
          f"crash states: unsharded {a['summary']['crash_states']}, "
          f"merged {b['summary']['crash_states']}")
    diff = first_difference(normalise(a, [full]),
                            normalise(b, [merged, *shard_dirs]))
    check(diff is None, "merged report.json equals the unsharded one apart "
          f"from timings and paths{'' if diff is None else ': ' + diff}")

    # The shards split every scenario's crash points: disjoint, union = all.
    per_scenario = {}
    for d in shard_dirs:
        for s in load(os.path.join(d, "report.json"))["scenarios"]:
            per_scenario.setdefault((s["file"], s["name"], s["mode"]),
                                    []).append(s["crash_points"])
    split_ok = True
    for s in a["scenarios"]:
        parts = per_scenario.get((s["file"], s["name"], s["mode"]), [])
        flat = [p for part in parts for p in part]
        if len(parts) != n or sorted(flat) != sorted(s["crash_points"]) or \
                len(set(flat)) != len(flat):
            split_ok = False
            print(f"  {s['file']} {s['name']}: shards {parts}, "
                  f"unsharded {s['crash_points']}")
    check(split_ok, f"the {n} shards partition every scenario's crash points")

    code, _, err = run([crashlab, "report", "merge", *shard_dirs[1:],
                        "--out", os.path.join(work, "partial")], src)
    check(code == 2, f"merge with shard 1/{n} missing exits 2 (got {code})")

    # An expectation no shard can meet: each shard exits 0 (nothing wrong in
    # it), the merge exits 1 naming the unmet expectation.
    sc = load(os.path.join(src, "scenarios/unsafe/skip-dir-fsync.json"))
    scen = os.path.join(work, "scen")
    os.makedirs(scen)
    sc["name"] = "expects-too-much"
    sc["expect"] = sc["expect"] + ["no-orphan-deletion"]
    with open(os.path.join(scen, "too-much.json"), "w") as f:
        json.dump(sc, f)
    sc["name"] = "expects-pass"
    sc["expect"] = "pass"
    with open(os.path.join(scen, "pass.json"), "w") as f:
        json.dump(sc, f)
    dirs = {}
    for name in ("too-much", "pass"):
        codes = []
        dirs[name] = []
        for i in range(1, n + 1):
            d = os.path.join(work, f"{name}-{i}")
            dirs[name].append(d)
            code, out, _ = run([crashlab, "run", os.path.join(scen, f"{name}.json"),
                                "--progress", "never", "--shard", f"{i}/{n}",
                                "--report-dir", d], src)
            violated = load(os.path.join(d, "report.json"))["summary"]["violations"]
            codes.append((code, violated))
        if name == "too-much":
            check(all(c == 0 for c, _ in codes),
                  f"expectation nobody meets: every shard exits 0 ({codes})")
        else:
            check(all((c == 1) == (v > 0) for c, v in codes) and
                  any(c == 1 for c, _ in codes),
                  "unexpected violations: exactly the shards holding them "
                  f"exit 1 ((exit, violations) per shard: {codes})")
        code, out, err = run([crashlab, "report", "merge", *dirs[name], "--out",
                              os.path.join(work, f"{name}-merged")], src)
        check(code == 1, f"{name}: report merge exits 1 (got {code})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
