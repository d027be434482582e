#!/usr/bin/env bash
# Builds ns-3 with netsim's matched program (docs/validation/ns3/xval-tcp.cc) for
# docs/validation.md.
#
# Usage: tools/validation/ns3-build.sh NS3_SRC
#   NS3_SRC: an ns-3-dev source tree (docs/validation.md names the commit measured and how
#            to unpack it). About 10 minutes on two cores the first time; afterwards an
#            unchanged tree rebuilds nothing and a changed xval-tcp.cc relinks only it.
# Installs cmake, ninja, g++ and python3 with apt when missing, copies xval-tcp.cc into
# NS3_SRC/scratch, configures the optimized profile with only the modules the program uses
# (examples and tests off) and builds with two jobs.
set -euo pipefail
[ $# -eq 1 ] || { sed -n 2,12p "$0" >&2; exit 2; }
SRC=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROGRAM=$HERE/../../docs/validation/ns3/xval-tcp.cc
[ -x "$SRC/ns3" ] && [ -f "$SRC/CMakeLists.txt" ] || { echo "not an ns-3 source tree: $SRC" >&2; exit 2; }

missing=()
for tool in cmake:cmake ninja:ninja-build g++:g++ python3:python3; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi

# An unchanged copy keeps its mtime, so nothing rebuilds.
cmp -s "$PROGRAM" "$SRC/scratch/xval-tcp.cc" 2>/dev/null || cp "$PROGRAM" "$SRC/scratch/xval-tcp.cc"

cd "$SRC"
modules='core;network;internet;point-to-point;applications'
cache=cmake-cache/CMakeCache.txt
if ! grep -qx "NS3_ENABLED_MODULES:STRING=$modules" "$cache" 2>/dev/null ||
   ! grep -qx "build_profile:INTERNAL=optimized" "$cache"; then
  python3 ./ns3 configure -G Ninja --build-profile=optimized \
    --enable-modules="$modules" --disable-examples --disable-tests
fi
# `./ns3 build` would use one job on two cores; cmake takes -j directly.
cmake --build cmake-cache -j 2
ls -l build/scratch/ns3-dev-xval-tcp-optimized
