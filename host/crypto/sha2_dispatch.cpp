// Run-time choice of the SHA-2 code paths (CPUID + XGETBV), and the test
// hook that forces them. The library is built for baseline x86-64; nothing
// here or in the callers runs an instruction the CPU lacks.
#include "host/crypto/sha2_paths.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace vigil::crypto::sha2 {
namespace {

struct Cpu {
  bool shani = false;
  bool avx2 = false;
  bool avx512 = false;  // F and BW, with the OS saving ZMM state
};

Cpu detect() {
  Cpu cpu;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, nullptr) < 7 || !__get_cpuid(1, &a, &b, &c, &d)) return cpu;
  const bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19), osxsave = c & (1u << 27);
  uint64_t xcr0 = 0;
  if (osxsave) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t{hi} << 32) | lo;
  }
  const bool ymm_saved = (xcr0 & 0x6) == 0x6;    // SSE and AVX state
  const bool zmm_saved = (xcr0 & 0xe6) == 0xe6;  // + opmask, ZMM0-15 upper, ZMM16-31
  __get_cpuid_count(7, 0, &a, &b, &c, &d);
  cpu.shani = (b & (1u << 29)) && ssse3 && sse41;
  cpu.avx2 = (b & (1u << 5)) && ymm_saved;
  cpu.avx512 = (b & (1u << 16)) && (b & (1u << 30)) && zmm_saved;
#endif
  return cpu;
}

const Cpu& cpu() {
  static const Cpu c = detect();
  return c;
}

Paths& selected() {
  static Paths p = best_paths();
  return p;
}

bool is_batch_path(Path p) {
  return p == Path::portable || p == Path::avx2 || p == Path::avx512;
}

}  // namespace

const char* path_name(Path path) {
  switch (path) {
    case Path::portable:
      return "portable";
    case Path::shani:
      return "shani";
    case Path::avx2:
      return "avx2";
    case Path::avx512:
      return "avx512";
    case Path::libcrypto:
      return "libcrypto";
  }
  return "?";
}

bool cpu_supports(Path path) {
  switch (path) {
    case Path::portable:
      return true;
    case Path::shani:
      return cpu().shani;
    case Path::avx2:
      return cpu().avx2;
    case Path::avx512:
      return cpu().avx512;
    case Path::libcrypto:
      return true;
  }
  return false;
}

Paths best_paths() {
  const Cpu& c = cpu();
  Paths p;
  p.single256 = c.shani ? Path::shani : Path::portable;
  // SHA-256 batches: SHA-NI one message at a time against 8/16 lanes, as
  // `vigil bench hash` measured on a Xeon with both (2026-11-25): 16 AVX-512
  // lanes ~1.7x serial SHA-NI on 64- and 256-byte messages; 8 AVX2 lanes
  // ~0.85x of it. So AVX2 lanes serve SHA-256 only where SHA-NI is missing.
  p.batch256 = c.avx512 ? Path::avx512 : c.avx2 && !c.shani ? Path::avx2 : Path::portable;
  p.batch512 = c.avx512 ? Path::avx512 : c.avx2 ? Path::avx2 : Path::portable;
  p.single512 = Path::libcrypto;  // faster everywhere measured (sha512_libcrypto.cpp)
  return p;
}

Paths current_paths() {
  return selected();
}

bool force_paths(Paths paths) {
  const bool single_ok = (paths.single256 == Path::portable || paths.single256 == Path::shani) &&
                         (paths.single512 == Path::portable || paths.single512 == Path::libcrypto);
  if (!single_ok || !is_batch_path(paths.batch256) || !is_batch_path(paths.batch512)) return false;
  if (!cpu_supports(paths.single256) || !cpu_supports(paths.batch256) ||
      !cpu_supports(paths.batch512)) {
    return false;
  }
  selected() = paths;
  return true;
}

}  // namespace vigil::crypto::sha2
