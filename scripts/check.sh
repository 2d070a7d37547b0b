#!/usr/bin/env bash
# Local checks before a commit: formatting, clang-tidy and repeated code.
#
#   bash scripts/check.sh            the files changed against main (committed
#                                    or not), plus untracked ones
#   bash scripts/check.sh --all      every C++ file of the tree
#   BASE=origin/main bash scripts/check.sh   compare against another base
#
# clang-tidy needs build/dev/compile_commands.json (cmake --preset dev); the
# duplicate check uses the `duplicates` command when it is installed, else
# scripts/duplicate_lines.py. Exit status: 0 all clean, 1 a check failed,
# 2 usage, 3 a tool is missing.
set -u
cd "$(dirname "$0")/.."

all=0
case "${1:-}" in
  --all) all=1 ;;
  "") ;;
  -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
  *) echo "usage: scripts/check.sh [--all]" >&2; exit 2 ;;
esac
base="${BASE:-main}"

for tool in clang-format clang-tidy python3 git; do
  if ! command -v "$tool" >/dev/null; then
    echo "check.sh: $tool not found (bash scripts/install-deps.sh installs it)" >&2
    exit 3
  fi
done

if [ "$all" = 1 ]; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <({ git diff --name-only --diff-filter=d "$base" -- '*.cc' '*.h';
                          git ls-files --others --exclude-standard -- '*.cc' '*.h'; } | sort -u)
fi
failed=0

echo "== clang-format (${#files[@]} file(s))"
if [ "${#files[@]}" -gt 0 ] && ! clang-format --dry-run -Werror "${files[@]}"; then
  echo "check.sh: formatting differs: clang-format -i FILE" >&2
  failed=1
fi

echo "== clang-tidy (.clang-tidy)"
db=build/dev/compile_commands.json
if [ ! -f "$db" ]; then
  echo "check.sh: $db missing: run cmake --preset dev first" >&2
  exit 3
fi
sources=()
for f in "${files[@]}"; do
  case "$f" in *.cc) grep -q "\"file\": \".*/$f\"" "$db" && sources+=("$f") ;; esac
done
if [ "${#sources[@]}" -gt 0 ] && ! clang-tidy -p build/dev --quiet "${sources[@]}"; then
  echo "check.sh: clang-tidy found problems" >&2
  failed=1
fi

echo "== repeated code"
if command -v duplicates >/dev/null; then
  if [ "$all" = 1 ]; then duplicates --most 40; else duplicates --change --base "$base"; fi
elif [ "$all" = 1 ]; then
  python3 scripts/duplicate_lines.py --report-only
elif [ "${#files[@]}" -gt 0 ]; then
  python3 scripts/duplicate_lines.py --report-only --files "${files[@]}"
fi

exit "$failed"
