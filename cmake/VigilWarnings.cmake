# vigil_warnings: an interface target every Vigil target links for its flags.
add_library(vigil_warnings INTERFACE)
target_compile_options(vigil_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion>
  $<$<AND:$<COMPILE_LANGUAGE:C,CXX>,$<BOOL:${VIGIL_WERROR}>>:-Werror>)
if(VIGIL_NATIVE)
  target_compile_options(vigil_warnings INTERFACE $<$<COMPILE_LANGUAGE:C,CXX>:-march=native>)
endif()
