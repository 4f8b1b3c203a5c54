# vigil_common: every Vigil target links it for its flags and for the include
# root: sources include each other by path from the repository root
# ("host/crypto/ed25519.hpp").
add_library(vigil_common INTERFACE)
target_compile_options(vigil_common INTERFACE
  $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Wshadow>
  $<$<AND:$<COMPILE_LANGUAGE:C,CXX>,$<BOOL:${VIGIL_WERROR}>>:-Werror>)
# GCC 12 warns on two idioms this code uses on purpose: designated
# initializers that leave members at their defaults, and clang's
# `#pragma unroll` in the SIMD field arithmetic (GCC fully unrolls those
# constant-trip loops on its own).
target_compile_options(vigil_common INTERFACE
  $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-Wno-missing-field-initializers -Wno-unknown-pragmas>
  $<$<COMPILE_LANG_AND_ID:C,GNU>:-Wno-missing-field-initializers -Wno-unknown-pragmas>)
# Boost 1.74's asio/awaitable.hpp uses std::exchange without <utility>, which
# GCC 12's headers no longer pull in; Vigil uses no Asio coroutines.
target_compile_definitions(vigil_common INTERFACE
  $<$<COMPILE_LANG_AND_ID:CXX,GNU>:BOOST_ASIO_DISABLE_CO_AWAIT>)
if(VIGIL_NATIVE)
  target_compile_options(vigil_common INTERFACE $<$<COMPILE_LANGUAGE:C,CXX>:-march=native>)
endif()
target_include_directories(vigil_common INTERFACE ${CMAKE_SOURCE_DIR})
target_compile_features(vigil_common INTERFACE cxx_std_20)

# Adds every immediate subfolder of the current folder that has a
# CMakeLists.txt, in name order: a component is a folder.
function(vigil_add_component_dirs)
  file(GLOB dirs LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT dirs)
  foreach(dir ${dirs})
    if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/CMakeLists.txt)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()
