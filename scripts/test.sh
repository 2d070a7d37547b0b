#!/usr/bin/env bash
# Installs dependencies, builds the `dev` preset (Debug + ASan + UBSan) and
# runs every test with ctest. Extra arguments go to ctest (e.g. -L fuse,
# -LE fuse, -R SimCrashModel). CRASHLAB_WERROR=1 builds with -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# CRASHLAB_WERROR=1 (set by CI): warnings are errors.
if [[ "${CRASHLAB_WERROR:-0}" == 1 ]]; then
  cmake --preset dev -DCRASHLAB_WERROR=ON
else
  cmake --preset dev -DCRASHLAB_WERROR=OFF
fi
cmake --build --preset dev -j"$(nproc)"
ctest --preset dev "$@"
