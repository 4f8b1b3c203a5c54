// simd_bench: single-core rates of the SIMD engines next to libsodium's
// crypto_sign_verify_detached, measured in the same process: the lane
// functions alone ([s]B - [k]A and its encoding, the core of strict
// verification) and the whole strict verify_batch on each engine. Prints,
// never asserts: the project's benchmark is `vigil bench verify`.
//   build/ci/tests/crypto/simd_bench [seconds per row, default 1]
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/simd/double_scalarmult_simd.hpp"

namespace {

namespace crypto = vigil::crypto;
namespace simd = vigil::crypto::simd;

double thread_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Calls `step` (which does `per_step` operations) in short samples for
// about `seconds` of this thread's CPU time and returns the best sample's
// operations per CPU-second. The machine is shared: CPU time leaves out the
// time other processes hold the core, and the best sample is the one least
// disturbed by them (a busy sibling hyperthread still slows every row).
template <class Step>
double rate(double seconds, size_t per_step, Step step) {
  double best = 0, total = 0;
  while (total < seconds) {
    const double start = thread_seconds();
    for (int i = 0; i < 16; ++i) step();
    const double t = thread_seconds() - start;
    total += t;
    const double r = static_cast<double>(16 * per_step) / t;
    if (r > best) best = r;
  }
  return best;
}

void row(const std::string& name, double per_sec, double sodium) {
  std::printf("%-52s %10.0f %7.2f\n", name.c_str(), per_sec, per_sec / sodium);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (sodium_init() < 0) return 1;

  constexpr size_t kSigs = 64;  // one strict batch
  std::vector<uint8_t> pk(kSigs * 32), sk(kSigs * 64), sig(kSigs * 64), msg(kSigs * 64);
  randombytes_buf(msg.data(), msg.size());
  std::vector<crypto::VerifyItem> items;
  for (size_t i = 0; i < kSigs; ++i) {
    crypto_sign_keypair(&pk[i * 32], &sk[i * 64]);
    crypto_sign_detached(&sig[i * 64], nullptr, &msg[i * 64], 64, &sk[i * 64]);
    items.push_back({&pk[i * 32], &sig[i * 64], {&msg[i * 64], 64}});
  }

  // Lane inputs: A = B (any valid point costs the same), random scalars.
  uint8_t ax[8][32], ay[8][32], k[8][32], s[8][32], out[8][32];
  static const uint8_t bx[32] = {0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25,
                                 0x95, 0x60, 0xc7, 0x2c, 0x69, 0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2,
                                 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21};
  for (size_t i = 0; i < 8; ++i) {
    std::memcpy(ax[i], bx, 32);
    std::memset(ay[i], 0x66, 32);
    ay[i][0] = 0x58;
    crypto_core_ed25519_scalar_random(k[i]);
    crypto_core_ed25519_scalar_random(s[i]);
  }

  size_t at = 0;
  const double sodium = rate(seconds, 1, [&] {
    const size_t i = at++ % kSigs;
    if (crypto_sign_verify_detached(&sig[i * 64], &msg[i * 64], 64, &pk[i * 32]) != 0) std::abort();
  });
  std::printf("one core, per CPU-second, best 16-call sample; ratio to libsodium\n");
  row("libsodium crypto_sign_verify_detached", sodium, sodium);
  row("core portable (one item at a time)",
      rate(seconds, 8,
           [&] { crypto::double_scalarmult_encode_lanes(8, ax[0], ay[0], k[0], s[0], out[0]); }),
      sodium);
  if (simd::ifma_supported())
    row("core avx512ifma (8 lanes)",
        rate(seconds, 8, [&] { simd::double_scalarmult_encode_x8_ifma(ax, ay, k, s, out, 8); }),
        sodium);
  if (simd::avx2_supported())
    row("core avx2 (4 lanes)",
        rate(seconds, 4, [&] { simd::double_scalarmult_encode_x4_avx2(ax, ay, k, s, out, 4); }),
        sodium);

  uint32_t words[VIGIL_VERDICT_WORDS(kSigs)];
  for (crypto::Engine e :
       {crypto::Engine::portable, crypto::Engine::avx2, crypto::Engine::avx512ifma}) {
    if (!crypto::engine_supported(e)) {
      std::printf("%s: this CPU lacks it\n", std::string(crypto::engine_name(e)).c_str());
      continue;
    }
    const double r = rate(seconds, kSigs, [&] {
      crypto::verify_batch(items, crypto::Rules::strict, words, {}, e);
      if (words[0] != ~uint32_t{0}) std::abort();
    });
    row("verify_batch strict, batch 64, " + std::string(crypto::engine_name(e)), r, sodium);
  }
  std::printf("auto engine on this CPU: %s\n",
              std::string(crypto::engine_name(crypto::best_engine())).c_str());
  return 0;
}
