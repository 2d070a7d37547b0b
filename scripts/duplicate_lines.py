#!/usr/bin/env python3
"""Reports runs of identical code lines that stand in two places.

A small, dependency-free duplicate check for scripts/check.sh: lines are
compared after stripping white space; blank lines, comments, lone punctuation
and #include lines are skipped. A run of at least --min-lines such lines that
occurs in two places (in one file or two) is reported as
  FILE:LINE-LINE ~ FILE:LINE-LINE (N lines)
With --files, only runs with at least one side in those files are reported.
Exit status: 0 always with --report-only, else 1 when a run is found.
"""
import argparse
import pathlib
import re
import subprocess
import sys

SKIP = re.compile(r"^(//.*|#include .*|[{}();,]*|\*.*|/\*.*)$")


def code_lines(path):
    out = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return out
    for number, line in enumerate(text.splitlines(), 1):
        norm = " ".join(line.split())
        if not norm or SKIP.match(norm):
            continue
        out.append((number, norm))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-lines", type=int, default=6)
    ap.add_argument("--files", nargs="*", default=None)
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    listed = subprocess.run(
        ["git", "ls-files", "*.cc", "*.h", "*.py", "*.sh"],
        capture_output=True, text=True, check=True).stdout.split()
    tracked = [pathlib.Path(p) for p in listed if pathlib.Path(p).is_file()]
    wanted = None if args.files is None else {str(pathlib.Path(f)) for f in args.files}
    lines = {p: code_lines(p) for p in tracked}
    index = {}
    n = args.min_lines
    for p, ls in lines.items():
        for i in range(len(ls) - n + 1):
            key = tuple(l for _, l in ls[i:i + n])
            index.setdefault(key, []).append((p, i))
    found = set()
    for places in index.values():
        if len(places) < 2 or len(places) > 8:
            continue  # unique, or boilerplate too common to mean anything
        for a in range(len(places)):
            for b in range(a + 1, len(places)):
                (pa, ia), (pb, ib) = places[a], places[b]
                if pa == pb and abs(ia - ib) < n:
                    continue
                if wanted is not None and str(pa) not in wanted and str(pb) not in wanted:
                    continue
                found.add((str(pa), lines[pa][ia][0], lines[pa][ia + n - 1][0],
                           str(pb), lines[pb][ib][0], lines[pb][ib + n - 1][0]))
    # Merge overlapping windows into runs.
    runs = []
    for pa, la, ea, pb, lb, eb in sorted(found, key=lambda f: (f[0], f[3], f[1], f[4])):
        last = runs[-1] if runs else None
        if last and last[0] == pa and last[2] == pb and \
                la <= last[4] + 1 and lb <= last[5] + 1:
            last[4], last[5] = max(last[4], ea), max(last[5], eb)
            continue
        runs.append([pa, la, pb, lb, ea, eb])
    for pa, la, pb, lb, ea, eb in runs:
        print(f"{pa}:{la}-{ea} ~ {pb}:{lb}-{eb}")
    print(f"{len(runs)} repeated run(s) of {n}+ code lines", file=sys.stderr)
    return 0 if args.report_only or not runs else 1


if __name__ == "__main__":
    sys.exit(main())
