#!/usr/bin/env bash
# Installs dependencies, builds the `release` preset and runs the shipped
# scenario suite, writing reports to crashlab-reports/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
report_dir="${1:-crashlab-reports}"
bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j"$(nproc)"
./build/release/harness/crashlab run scenarios/ --report-dir "$report_dir"
