# vigil_test(NAME SOURCES... LABELS l... LIBS t... [TIMEOUT s])
# One GoogleTest executable, registered with ctest test by test so that
# ctest's summary counts every case. Labels: unit, vectors, sim, cluster,
# fuzz-smoke (see README).
include(GoogleTest)
set(VIGIL_VECTORS_DIR "${CMAKE_SOURCE_DIR}/../shared/vectors" CACHE PATH
    "Ed25519 edge-case vectors (../shared/vectors)")

function(vigil_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main vigil_common)
  target_compile_definitions(${name} PRIVATE
    VIGIL_VECTORS_DIR="${VIGIL_VECTORS_DIR}"
    VIGIL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
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
    # libFuzzer adds new inputs to the first corpus folder: a build folder,
    # so that running the tests never writes into the source tree.
    file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
    add_test(NAME ${name}.smoke
             COMMAND ${name} -runs=${F_RUNS} -max_len=4096 -seed=1
                     ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus ${F_CORPUS})
  else()
    target_sources(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME ${name}.smoke COMMAND ${name} ${F_CORPUS})
  endif()
  set_tests_properties(${name}.smoke PROPERTIES LABELS fuzz-smoke TIMEOUT 300)
endfunction()
