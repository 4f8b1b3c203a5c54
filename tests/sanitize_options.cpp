// Linked into every sanitized suite (the sanitize label,
// vigil_sanitized_test): the sanitizers' defaults, so ctest needs no
// environment. Any report fails the test. The shadow gap stays
// unprotected because the CUDA runtime maps memory there when a GPU is
// present.
extern "C" const char* __asan_default_options() {
  return "protect_shadow_gap=0:detect_leaks=1:halt_on_error=1";
}
extern "C" const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
