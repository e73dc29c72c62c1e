#!/usr/bin/env bash
# Run HERE (the build machine) before lending time on a GPU machine: builds nst with CUDA for sm_80
# and sm_90 into build-device/, then packs device-bundle.tar.xz: the stripped programs that
# tests/gpu/run_on_device.sh runs (nst, the CUDA tests, the benchmarks it uses) in the build
# folder's layout, the shared libraries they load that a bare CUDA image may lack (HDF5, OpenBLAS,
# libpng, libjpeg, the OpenMP and Fortran runtimes, libcudart, …), and the shared demo images and
# weights. How to carry it and run it there: tests/gpu/README.md.
#
# Left out of lib/, on purpose:
#   - glibc's own libraries (libc, libm, libdl, libpthread, librt, libresolv, ld-linux, …): they
#     must come from the machine that runs the programs, never from a bundle;
#   - libstdc++ and libgcc_s: the GPU machine's are newer than this Debian's, and newer ones run
#     programs built against older ones (run_on_device.sh's preflight stops, naming the missing
#     GLIBCXX version, should that ever be false);
#   - the driver (libcuda) and cuBLAS/cuDNN (hundreds of MiB): run_on_device.sh finds them there.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash setup.sh >/dev/null  # the Debian packages
cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA=ON -DNST_WERROR=ON
cmake --build build-device --parallel "$(nproc)"

rm -rf device-bundle device-bundle.tar.xz
mkdir -p device-bundle/lib device-bundle/shared device-bundle/tests device-bundle/bench
cp build-device/nst device-bundle/
cp build-device/tests/nst_cuda_tests device-bundle/tests/
cp build-device/bench/*_cuda_bench build-device/bench/iteration_bench build-device/bench/lbfgs_bench \
  device-bundle/bench/
programs=(device-bundle/nst device-bundle/tests/* device-bundle/bench/*)
strip "${programs[@]}"
for program in "${programs[@]}"; do
  ldd "$program" | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      # glibc, all of it
      ld-linux*|libc.so*|libm.so*|libmvec.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*) ;;
      libutil.so*|libanl.so*|libnsl.so*|libnss_*|libthread_db.so*|libBrokenLocale.so*) ;;
      libc_malloc_debug.so*|libmemusage.so*|libpcprofile.so*) ;;
      # the GPU machine's C++ runtime, newer than ours
      libstdc++.so*|libgcc_s.so*) ;;
      # the driver, cuBLAS and cuDNN: found there
      libcuda.so*|libcublas*|libcudnn*) ;;
      *) [ -e "device-bundle/lib/$(basename "$lib")" ] || cp -L "$lib" device-bundle/lib/ ;;
    esac
  done
done
# The newest glibc the programs need: the GPU machine's must be at least as new.
objdump -T "${programs[@]}" device-bundle/lib/* | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 |
  sed 's/^GLIBC_\(.*\)/bundle: needs glibc \1 or newer/'
# The commit the programs were built from (the GPU machine's copy may lack .git).
echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!device-bundle*' || echo '-dirty')" >device-bundle/commit.txt
shared=${NST_SHARED_DIR:-../shared}
cp -r "$shared/images" "$shared/weights" device-bundle/shared/
tar -cJf device-bundle.tar.xz device-bundle
du -sh device-bundle.tar.xz | awk '{print "bundle: " $1 " (the device tool carries at most 64 MiB, the working tree included)"}'
