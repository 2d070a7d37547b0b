#!/usr/bin/env bash
# Installs dependencies, builds the `dev` preset (Debug + ASan + UBSan) and
# runs every test with ctest. Extra arguments go to ctest (e.g. -L fuse,
# -LE fuse, -R SimCrashModel).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j"$(nproc)"
ctest --preset dev "$@"
