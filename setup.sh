#!/usr/bin/env bash
# Set up a fresh Debian machine for nst and build it: installs the Debian packages the build
# needs (nothing else is downloaded), configures with CMake and builds everything.
# Idempotent: a second run installs nothing new and rebuilds only what changed.
#
#   bash setup.sh                 # build into ./build, CUDA when nvcc is found
#   NST_CUDA=OFF bash setup.sh    # CPU only
#   BUILD_DIR=out bash setup.sh   # elsewhere
set -euo pipefail
cd "$(dirname "$0")"

packages=(cmake ninja-build g++ pkg-config libhdf5-dev libgtest-dev libgmock-dev libbenchmark-dev
          libopenblas-dev libopenblas0-openmp libpng-dev libjpeg-dev libcli11-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build_dir=${BUILD_DIR:-build}
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA="${NST_CUDA:-AUTO}" -DNST_WERROR="$werror"
cmake --build "$build_dir" --parallel "$(nproc)"
echo "setup: built into $build_dir"
