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

// `auto` takes the widest engine for both rule sets at every batch size:
// measured with `vigil bench verify --batch 1,2,4,8,64,256,1024` (2026-12-02,
// EPYC Zen 5, taskset -c 1, per CPU-s, three runs) there is no crossover.
// strict: 1-2 items 15.9-20.6k/s on all three engines (within the noise of
// the runs; none leads in every run), from 4 items avx512ifma 64k, avx2 30k,
// portable 17k; at 8-1024 items 121-151k, 33-35k, 20-21k. zip215: 1 item
// 14.9-19.3k/s on all three (tied likewise), 2 items 24-29k, 23k, 21-24k;
// 8 items 113k, 35k, 34k; 256 items 172-218k, 59k, 49k. The choices that
// do depend on the batch size are inside each engine (zip215_batch.cpp:
// below how many items per-item lanes beat the batch equation).
Engine best_engine() {
  if (engine_supported(Engine::avx512ifma)) return Engine::avx512ifma;
  if (engine_supported(Engine::avx2)) return Engine::avx2;
  return Engine::portable;
}

}  // namespace vigil::crypto
