#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of crashlab on Debian 12.
# Idempotent: packages already present are left alone. Needs root (or sudo).
# --build-only: just what building crashlab and its .deb needs (no tests).
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git file
  fuse3 libfuse3-dev
  libboost-program-options-dev libboost-dev
  nlohmann-json3-dev
  libssl-dev
)
packages=(
  "${build_packages[@]}"
  libgtest-dev libgmock-dev
  librapidcheck-dev
  libbenchmark-dev
  sqlite3 fio libxml2-utils
  git lmdb-utils redis-server
  python3
  clang-format clang-tidy
  python3-jsonschema chromium
  clang-14 libclang-rt-14-dev
  python3-yaml yamllint
  debootstrap
  autoconf automake libtool
)
if [ "${1:-}" = "--build-only" ]; then
  packages=("${build_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
