#!/usr/bin/env bash
# Run HERE (the build machine) before lending time on a GPU machine: builds nst with CUDA for sm_80
# and sm_90 into build-device/, copies the shared libraries it needs that a bare CUDA image may lack
# (HDF5, OpenBLAS, libpng, libjpeg, GoogleTest/Benchmark are linked statically or copied) into
# build-device/lib, and the shared demo images and weights into build-device/shared.
# Then carry build-device to the GPU machine and run tests/gpu/run_on_device.sh there, e.g. with the
# device tool: run(command="bash tests/gpu/run_on_device.sh", carry=["build-device"]).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash setup.sh >/dev/null  # the Debian packages
cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA=ON -DNST_WERROR=ON
cmake --build build-device --parallel "$(nproc)"

mkdir -p build-device/lib build-device/shared
# Every non-CUDA, non-libc library the programs load, copied beside them.
for program in build-device/nst build-device/tests/nst_* build-device/bench/*_bench; do
  [ -x "$program" ] || continue
  ldd "$program" | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;;
      libcuda.so*|libcudart*|libcublas*|libcublasLt*|libcudnn*) ;;  # the GPU machine has its own CUDA 13
      *) cp -L -n "$lib" build-device/lib/ ;;
    esac
  done
done
shared=${NST_SHARED_DIR:-../shared}
cp -r "$shared/images" "$shared/weights" build-device/shared/
du -sh build-device | awk '{print "bundle: " $1 " (the device tool carries at most 64 MiB)"}'
