# NST_CUDA=EMU: the CUDA backend built as host C++ on the emulator (tests/emu/README.md).
# kernels/cuda/*.cu and *.cuh are rewritten by translate_cuda.py into ${NST_EMU_SOURCE_DIR} at
# build time (the originals stay untouched), compiled with the emulator's headers in front, and
# linked with the emulator's runtime. Everything is built with AddressSanitizer and
# UndefinedBehaviorSanitizer unless NST_EMU_SANITIZE is OFF.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
option(NST_EMU_SANITIZE "Build the emulated configuration with -fsanitize=address,undefined" ON)
set(NST_EMU_DIR ${PROJECT_SOURCE_DIR}/tests/emu)
set(NST_EMU_SOURCE_DIR ${PROJECT_BINARY_DIR}/emu_src)
# Where the CUDA sources are read from: the repository's, or a copy with a planted fault
# (plant_faults.py).
set(NST_EMU_KERNEL_DIR ${PROJECT_SOURCE_DIR}/kernels/cuda CACHE PATH "The kernels/cuda directory to emulate")

# The kernels' fmaf as one instruction rather than a call into libm, where the CPU has FMA.
if(EXISTS /proc/cpuinfo)
  file(STRINGS /proc/cpuinfo NST_EMU_CPU_FLAGS REGEX "^flags" LIMIT_COUNT 1)
  if(NST_EMU_CPU_FLAGS MATCHES " fma( |$)")
    add_compile_options(-mfma)
  endif()
endif()

# The translated kernels' own options (the emulator's device built-ins come first).
set(NST_EMU_KERNEL_OPTIONS -include emu/kernel_prelude.h -Wno-unknown-pragmas)
if(NST_EMU_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # A kernel thread's own arrays (a GPU's registers and local memory) are checked by UBSan's bounds
  # check at each indexing, not by AddressSanitizer's stack redzones: those kept every accumulator
  # of a GEMM thread in memory, checked at each of its 512 FMAs per K slice (the emulated convolutions
  # took 1.3-2x as long). Device and shared memory (heap and static objects here) keep their redzones.
  list(APPEND NST_EMU_KERNEL_OPTIONS --param=asan-stack=0)
endif()

# The emulator: fibers, the block scheduler and the runtime API.
file(GLOB NST_EMU_RUNTIME_SOURCES CONFIGURE_DEPENDS ${NST_EMU_DIR}/src/*.cpp)
add_library(nst_cuda_emulator STATIC ${NST_EMU_RUNTIME_SOURCES})
target_include_directories(nst_cuda_emulator PUBLIC ${NST_EMU_DIR}/include)
target_compile_options(nst_cuda_emulator PRIVATE -Wall -Wextra)
if(NST_EMU_SANITIZE)
  # The emulator's own code is not instrumented (every thread switch goes through it), but it
  # tells AddressSanitizer about every switch between fiber stacks and about device blocks.
  target_compile_options(nst_cuda_emulator PRIVATE -fno-sanitize=address)
  target_compile_definitions(nst_cuda_emulator PRIVATE NST_EMU_ASAN=1)
endif()

# The translated kernels: nst_emulated_kernel_sources(OUT) fills OUT with the .cpp files to compile
# (the translated .cuh headers come along as generated dependencies).
function(nst_emulated_kernel_sources out)
  file(GLOB cuda_files CONFIGURE_DEPENDS ${NST_EMU_KERNEL_DIR}/*.cu ${NST_EMU_KERNEL_DIR}/*.cuh)
  set(generated)
  foreach(source ${cuda_files})
    get_filename_component(name ${source} NAME)
    if(name MATCHES "\\.cu$")
      set(translated ${NST_EMU_SOURCE_DIR}/kernels/cuda/${name}.cpp)
    else()
      set(translated ${NST_EMU_SOURCE_DIR}/kernels/cuda/${name})
    endif()
    add_custom_command(OUTPUT ${translated}
                       COMMAND Python3::Interpreter ${NST_EMU_DIR}/translate_cuda.py ${source} ${translated}
                       DEPENDS ${source} ${NST_EMU_DIR}/translate_cuda.py
                       COMMENT "Translating ${name} for the CUDA emulator" VERBATIM)
    list(APPEND generated ${translated})
    if(name MATCHES "\\.cu$")
      set_source_files_properties(${translated} PROPERTIES
        COMPILE_OPTIONS "${NST_EMU_KERNEL_OPTIONS}")
    endif()
  endforeach()
  set(${out} ${generated} PARENT_SCOPE)
endfunction()

# The emulator's own tests (self_test/*.cu): translated like the kernels, one GoogleTest program; and
# the translator's (translate_cuda_test.py).
function(nst_emulator_self_test)
  file(GLOB self_tests CONFIGURE_DEPENDS ${NST_EMU_DIR}/self_test/*.cu)
  set(translated_tests)
  foreach(source ${self_tests})
    get_filename_component(name ${source} NAME)
    set(translated ${NST_EMU_SOURCE_DIR}/self_test/${name}.cpp)
    add_custom_command(OUTPUT ${translated}
                       COMMAND Python3::Interpreter ${NST_EMU_DIR}/translate_cuda.py ${source} ${translated}
                       DEPENDS ${source} ${NST_EMU_DIR}/translate_cuda.py VERBATIM)
    set_source_files_properties(${translated} PROPERTIES COMPILE_OPTIONS "${NST_EMU_KERNEL_OPTIONS}")
    list(APPEND translated_tests ${translated})
  endforeach()
  add_executable(nst_emulator_tests ${translated_tests})
  target_link_libraries(nst_emulator_tests PRIVATE nst_cuda_emulator GTest::gtest GTest::gtest_main)
  target_compile_options(nst_emulator_tests PRIVATE -Wall -Wextra)
  gtest_discover_tests(nst_emulator_tests PROPERTIES LABELS emu DISCOVERY_TIMEOUT 60)
  add_test(NAME emu_translate_cuda COMMAND ${Python3_EXECUTABLE} ${NST_EMU_DIR}/translate_cuda_test.py)
  set_tests_properties(emu_translate_cuda PROPERTIES LABELS emu)
endfunction()
