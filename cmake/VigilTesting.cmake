# vigil_test(NAME SOURCES... LABELS l... LIBS t... [TIMEOUT s])
# One GoogleTest executable, registered with ctest test by test so that
# ctest's summary counts every case. Labels: unit, vectors, sim, cluster,
# fuzz-smoke (see README).
include(GoogleTest)
set(VIGIL_VECTORS_DIR "${CMAKE_SOURCE_DIR}/../shared/vectors" CACHE PATH
    "Ed25519 edge-case vectors (../shared/vectors)")

function(vigil_test name)
  cmake_parse_arguments(T "" "TIMEOUT;TEST_FILTER" "SOURCES;LABELS;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main vigil_common)
  target_compile_definitions(${name} PRIVATE
    VIGIL_VECTORS_DIR="${VIGIL_VECTORS_DIR}"
    VIGIL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  set(filter_arg)
  if(T_TEST_FILTER)
    set(filter_arg TEST_FILTER ${T_TEST_FILTER})  # a gtest filter: only these cases
  endif()
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    ${filter_arg}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()

# vigil_fuzz(NAME SOURCES... LIBS t... CORPUS dir [RUNS n])
# A libFuzzer target (LLVMFuzzerTestOneInput). With clang it is built with
# -fsanitize=fuzzer,address,undefined and its smoke test mutates from the
# seed corpus for RUNS inputs; with another compiler a replay driver runs the
# corpus once. Either way ctest runs it under the fuzz-smoke label.
function(vigil_fuzz name)
  cmake_parse_arguments(F "" "CORPUS;RUNS" "SOURCES;LIBS" ${ARGN})
  if(NOT F_RUNS)
    set(F_RUNS 20000)
  endif()
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS} vigil_common)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  if(VIGIL_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined
                                           -fno-sanitize-recover=undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    # New inputs go to a scratch folder in the build tree (libFuzzer writes
    # to the first corpus folder), so a test run never edits the sources.
    set(scratch ${CMAKE_BINARY_DIR}/fuzz/${name}.corpus)
    file(MAKE_DIRECTORY ${scratch})
    add_test(NAME ${name}.smoke
             COMMAND ${name} -runs=${F_RUNS} -max_len=4096 -seed=1 ${scratch} ${F_CORPUS})
  else()
    target_sources(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME ${name}.smoke COMMAND ${name} ${F_CORPUS})
  endif()
  set_tests_properties(${name}.smoke PROPERTIES LABELS fuzz-smoke TIMEOUT 300)
endfunction()

# vigil_fuzz_variant(LIB): LIB_fuzz, the same library built with the fuzzer's
# coverage instrumentation (and ASan/UBSan) for fuzz targets to link; an alias
# of LIB when fuzzing is off. Call it where LIB is defined, so per-file
# compile options (SIMD flags) apply to the copy too.
function(vigil_fuzz_variant lib)
  if(NOT VIGIL_FUZZ)
    add_library(${lib}_fuzz ALIAS ${lib})
    return()
  endif()
  get_target_property(sources ${lib} SOURCES)
  get_target_property(libs ${lib} LINK_LIBRARIES)
  add_library(${lib}_fuzz STATIC EXCLUDE_FROM_ALL ${sources})
  target_link_libraries(${lib}_fuzz PUBLIC ${libs})
  # Sanitizers can stop the optimizer from honouring unroll pragmas: not an error here.
  target_compile_options(${lib}_fuzz PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -Wno-pass-failed)
endfunction()

# vigil_sanitize_variant(LIB): LIB_san, the same library built with
# AddressSanitizer and UBSan (every report fatal), linking the _san copy of
# each library LIB links that has one, for the sanitized test suites to
# link. Call it where LIB is defined, so per-file compile options (SIMD
# flags) apply to the copy too. Nothing when VIGIL_SANITIZE is off.
set(VIGIL_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                         -fno-omit-frame-pointer)
function(vigil_sanitize_variant lib)
  if(NOT VIGIL_SANITIZE)
    return()
  endif()
  get_target_property(sources ${lib} SOURCES)
  get_target_property(libs ${lib} LINK_LIBRARIES)
  set(mapped)
  foreach(l ${libs})
    if(l MATCHES "^vigil_")
      # Resolved when generating, once every component has declared its copy.
      list(APPEND mapped "$<IF:$<TARGET_EXISTS:${l}_san>,${l}_san,${l}>")
    else()
      list(APPEND mapped ${l})
    endif()
  endforeach()
  add_library(${lib}_san STATIC ${sources})
  target_link_libraries(${lib}_san PUBLIC ${mapped})
  target_compile_options(${lib}_san PRIVATE ${VIGIL_SANITIZE_FLAGS}
                                            $<$<CXX_COMPILER_ID:Clang>:-Wno-pass-failed>)
endfunction()

# vigil_sanitized_test(NAME SOURCES... LIBS t... [TEST_FILTER f]): vigil_test
# with the sources built under ASan + UBSan and the sanitize label; LIBS
# should be _san copies (vigil_sanitize_variant); TEST_FILTER (a gtest
# filter) leaves out cases that only time things. Skipped when
# VIGIL_SANITIZE is off.
function(vigil_sanitized_test name)
  if(NOT VIGIL_SANITIZE)
    return()
  endif()
  cmake_parse_arguments(S "" "TEST_FILTER" "SOURCES;LIBS" ${ARGN})
  set(filter_arg)
  if(S_TEST_FILTER)
    set(filter_arg TEST_FILTER ${S_TEST_FILTER})
  endif()
  vigil_test(${name} SOURCES ${S_SOURCES} ${CMAKE_SOURCE_DIR}/tests/sanitize_options.cpp
             LABELS sanitize LIBS ${S_LIBS} ${filter_arg})
  target_compile_options(${name} PRIVATE ${VIGIL_SANITIZE_FLAGS})
  target_link_options(${name} PRIVATE -fsanitize=address,undefined)
endfunction()
