#!/usr/bin/env bash
# yamllint --strict (config: .yamllint) over the action, the workflows and the
# CI examples. Without yamllint: skipped (exit 77), or a failure when
# CRASHLAB_REQUIRE_TOOLS=1. usage: run_yamllint.sh SOURCE_DIR
set -euo pipefail
cd "$1"
if ! command -v yamllint >/dev/null; then
  echo "yamllint is not installed (Debian package yamllint; scripts/install-deps.sh)"
  [ "${CRASHLAB_REQUIRE_TOOLS:-0}" = 1 ] && exit 1
  exit 77
fi
files=(action.yml .yamllint .github/workflows/*.yml examples/ci/*.yml examples/ci/*.yaml)
yamllint --strict -c .yamllint "${files[@]}"
echo "yamllint: ${#files[@]} files clean: ${files[*]}"
