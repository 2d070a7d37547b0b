#!/usr/bin/env bash
# Installs crashlab for action.yml (the GitHub Action). Environment:
#   INSTALL     release | source | skip
#   DEB         URL or path of a crashlab .deb (release)
#   REPOSITORY  owner/name whose release holds crashlab_VERSION_amd64.deb
#   ACTION_REPOSITORY, ACTION_DIR  the action's repository and checkout
# The package targets Debian 12; apt resolves its dependencies. Needs root
# or sudo.
set -euo pipefail
: "${INSTALL:=release}" "${DEB:=}" "${REPOSITORY:=}" "${ACTION_REPOSITORY:=}"
ACTION_DIR="${ACTION_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ -r /etc/os-release ]; then
  . /etc/os-release
  if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
    echo "crashlab: warning: the package is built for Debian 12, this is ${PRETTY_NAME:-unknown};" \
         "if apt cannot resolve its dependencies, run the job in 'container: debian:12'" >&2
  fi
fi

apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

case "$INSTALL" in
  skip)
    command -v crashlab >/dev/null || { echo "crashlab: install skip, but crashlab is not on PATH" >&2; exit 3; }
    ;;
  source)
    bash "$ACTION_DIR/scripts/install-deps.sh" --build-only
    build="${RUNNER_TEMP:-/tmp}/crashlab-build"
    cmake -S "$ACTION_DIR" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCRASHLAB_BUILD_TESTS=OFF -DCRASHLAB_BUILD_BENCH=OFF
    cmake --build "$build" --target crashlab faultfs ckpt -j"$(nproc)"
    (cd "$build" && cpack -G DEB)
    apt_install "$(ls "$build"/crashlab_*.deb)"
    ;;
  release)
    deb="$DEB"
    if [ -z "$deb" ]; then
      repo="${REPOSITORY:-$ACTION_REPOSITORY}"
      if [ -z "$repo" ]; then
        echo "crashlab: set the 'deb' or 'repository' input (the action's repository is unknown here)" >&2
        exit 3
      fi
      version="$(sed -n 's/^project(crashlab VERSION \([0-9.]*\).*/\1/p' "$ACTION_DIR/CMakeLists.txt")"
      deb="https://github.com/$repo/releases/download/v$version/crashlab_${version}_amd64.deb"
    fi
    if [ -d "$deb" ]; then  # a directory holding one crashlab_*.deb (an artifact)
      found=("$deb"/crashlab_*.deb)
      if [ "${#found[@]}" -ne 1 ] || [ ! -f "${found[0]}" ]; then
        echo "crashlab: expected exactly one crashlab_*.deb in $deb" >&2
        exit 3
      fi
      deb="${found[0]}"
    elif [ ! -f "$deb" ]; then
      command -v curl >/dev/null || apt_install curl ca-certificates
      echo "crashlab: downloading $deb"
      curl -fsSL --retry 3 -o /tmp/crashlab.deb "$deb"
      deb=/tmp/crashlab.deb
    fi
    case "$deb" in /*) ;; *) deb="./$deb" ;; esac
    apt_install "$deb"
    ;;
  *)
    echo "crashlab: install must be release, source or skip, got '$INSTALL'" >&2
    exit 2
    ;;
esac
crashlab --version
