#!/usr/bin/env bash
# Run HERE (the build machine) before lending time on a GPU machine: builds nst with CUDA for sm_80
# and sm_90 into build-device/, then packs device-bundle.tar.xz: the stripped programs (nst, the
# CUDA tests, the benchmarks) in the build folder's layout, the shared libraries they load that a
# bare CUDA image lacks (HDF5, OpenBLAS, libpng, libjpeg, Google Benchmark, …), and the shared demo
# images and weights. Carry the archive to the GPU machine and run tests/gpu/run_on_device.sh there,
# e.g. with the device tool: run(command="bash tests/gpu/run_on_device.sh", carry=["device-bundle.tar.xz"]).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash setup.sh >/dev/null  # the Debian packages
cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA=ON -DNST_WERROR=ON
cmake --build build-device --parallel "$(nproc)"

rm -rf device-bundle device-bundle.tar.xz
mkdir -p device-bundle/lib device-bundle/shared device-bundle/tests device-bundle/bench
cp build-device/nst device-bundle/
cp build-device/tests/nst_cuda_tests device-bundle/tests/
cp build-device/bench/*_bench device-bundle/bench/
strip device-bundle/nst device-bundle/tests/* device-bundle/bench/*
# Every non-CUDA, non-libc library the programs load, copied beside them.
for program in device-bundle/nst device-bundle/tests/* device-bundle/bench/*; do
  ldd "$program" | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;;
      libcuda.so*|libcublas*|libcublasLt*|libcudnn*) ;;  # the driver's, and too large: found there
      *) cp -L -n "$lib" device-bundle/lib/ ;;
    esac
  done
done
# The commit the programs were built from (the GPU machine's copy may lack .git).
echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!device-bundle*' || echo '-dirty')" >device-bundle/commit.txt
shared=${NST_SHARED_DIR:-../shared}
cp -r "$shared/images" "$shared/weights" device-bundle/shared/
tar -cJf device-bundle.tar.xz device-bundle
du -sh device-bundle.tar.xz | awk '{print "bundle: " $1 " (the device tool carries at most 64 MiB)"}'
