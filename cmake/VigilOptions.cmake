# Options default to what the machine has; a missing backend is not an error.
include(CheckLanguage)

if(NOT DEFINED VIGIL_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(_vigil_cuda_default ON)
  else()
    set(_vigil_cuda_default OFF)
  endif()
endif()
option(VIGIL_CUDA "Build the CUDA kernels and driver" ${_vigil_cuda_default})
if(VIGIL_CUDA)
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    # sm_80 and sm_90 as SASS, plus PTX of 90 for later GPUs.
    set(CMAKE_CUDA_ARCHITECTURES 80-real 90-real 90-virtual)
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_package(CUDAToolkit REQUIRED)
endif()

find_package(OpenCL QUIET)
if(NOT DEFINED VIGIL_OPENCL)
  set(VIGIL_OPENCL ${OpenCL_FOUND})
endif()
option(VIGIL_OPENCL "Build the OpenCL driver" ${VIGIL_OPENCL})

find_package(PkgConfig REQUIRED)
pkg_check_modules(DPDK QUIET IMPORTED_TARGET libdpdk)
if(NOT DEFINED VIGIL_DPDK)
  set(VIGIL_DPDK ${DPDK_FOUND})
endif()
option(VIGIL_DPDK "Build the DPDK packet port" ${VIGIL_DPDK})

# libFuzzer targets need clang; with g++ the same targets build as replay
# drivers that run the seed corpus (the fuzz-smoke label).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(_vigil_fuzz_default ON)
else()
  set(_vigil_fuzz_default OFF)
endif()
option(VIGIL_FUZZ "Build fuzz targets with -fsanitize=fuzzer (clang)" ${_vigil_fuzz_default})
option(VIGIL_WERROR "Treat warnings as errors" OFF)
# The accelerator, ingest and batch suites also run as AddressSanitizer +
# UBSan builds in the default suite (the sanitize label).
option(VIGIL_SANITIZE "Build sanitized copies of the packet-path tests" ON)
option(VIGIL_NATIVE "Tune for this CPU (-march=native); engines dispatch at run time regardless" OFF)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
