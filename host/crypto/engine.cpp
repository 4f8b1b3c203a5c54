// Engine and rule-set names, and which engines this CPU can run (CPUID).
#include "host/crypto/ed25519.hpp"

namespace vigil::crypto {

std::string_view engine_name(Engine e) {
  switch (e) {
    case Engine::automatic:
      return "auto";
    case Engine::portable:
      return "portable";
    case Engine::avx2:
      return "avx2";
    case Engine::avx512ifma:
      return "avx512ifma";
  }
  return "unknown";
}

std::optional<Engine> parse_engine(std::string_view name) {
  for (Engine e : {Engine::automatic, Engine::portable, Engine::avx2, Engine::avx512ifma}) {
    if (name == engine_name(e)) return e;
  }
  return std::nullopt;
}

std::string_view rules_name(Rules r) {
  return r == Rules::strict ? "strict" : "zip215";
}

std::optional<Rules> parse_rules(std::string_view name) {
  if (name == "strict") return Rules::strict;
  if (name == "zip215") return Rules::zip215;
  return std::nullopt;
}

bool engine_supported(Engine e) {
  switch (e) {
    case Engine::automatic:
    case Engine::portable:
      return true;
    case Engine::avx2:
      return __builtin_cpu_supports("avx2");
    case Engine::avx512ifma:
      // IFMA's 52-bit multiplies need the AVX-512 foundation and VL too.
      return __builtin_cpu_supports("avx512ifma") && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512vl");
  }
  return false;
}

Engine best_engine() {
  if (engine_supported(Engine::avx512ifma)) return Engine::avx512ifma;
  if (engine_supported(Engine::avx2)) return Engine::avx2;
  return Engine::portable;
}

}  // namespace vigil::crypto
