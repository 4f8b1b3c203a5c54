// simd_bench: single-core rate of the SIMD double scalar multiplications
// (the per-signature core of strict verification) next to libsodium's full
// crypto_sign_verify_detached, measured in the same process. Prints, never
// asserts: the real benchmark is `vigil bench verify`.
//   build/ci/tests/crypto/simd_bench [seconds per round, default 1]
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/simd/double_scalarmult_simd.hpp"

namespace {

namespace simd = vigil::crypto::simd;
using Clock = std::chrono::steady_clock;

// Calls `step` (which does `per_step` operations) in short samples for
// about `seconds` in all and returns the best sample's operations per
// second: the machine is shared, and the fastest sample is the one least
// disturbed by other processes.
template <class Step>
double rate(double seconds, size_t per_step, Step step) {
  double best = 0, total = 0;
  while (total < seconds) {
    const auto start = Clock::now();
    for (int i = 0; i < 64; ++i) step();
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    total += t;
    const double r = static_cast<double>(64 * per_step) / t;
    if (r > best) best = r;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (sodium_init() < 0) return 1;

  // Signatures for libsodium; for the SIMD engines, the same shape of work:
  // random points (any valid (x, y) works; the engines do not care where it
  // came from), so (x, y) = B's multiples as computed by the engine itself.
  constexpr size_t kSigs = 64;
  std::vector<uint8_t> pk(kSigs * 32), sk(kSigs * 64), sig(kSigs * 64), msg(kSigs * 64);
  randombytes_buf(msg.data(), msg.size());
  for (size_t i = 0; i < kSigs; ++i) {
    crypto_sign_keypair(&pk[i * 32], &sk[i * 64]);
    crypto_sign_detached(&sig[i * 64], nullptr, &msg[i * 64], 64, &sk[i * 64]);
  }

  // Inputs for the engines: A = the base point's x, y (a valid point), and
  // random scalars below L.
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

  double best_sodium = 0, best_portable = 0, best_ifma = 0, best_avx2 = 0;
  for (int round = 0; round < 3; ++round) {
    size_t at = 0;
    double r = rate(seconds, 1, [&] {
      const size_t i = at++ % kSigs;
      if (crypto_sign_verify_detached(&sig[i * 64], &msg[i * 64], 64, &pk[i * 32]) != 0)
        std::abort();
    });
    if (r > best_sodium) best_sodium = r;
    r = rate(seconds, 8, [&] {
      vigil::crypto::double_scalarmult_encode_lanes(8, ax[0], ay[0], k[0], s[0], out[0]);
    });
    if (r > best_portable) best_portable = r;
    if (simd::ifma_supported()) {
      r = rate(seconds, 8, [&] { simd::double_scalarmult_encode_x8_ifma(ax, ay, k, s, out, 8); });
      if (r > best_ifma) best_ifma = r;
    }
    if (simd::avx2_supported()) {
      r = rate(seconds, 4, [&] { simd::double_scalarmult_encode_x4_avx2(ax, ay, k, s, out, 4); });
      if (r > best_avx2) best_avx2 = r;
    }
  }
  std::printf("%-44s %12s %8s\n", "one core, best 64-call sample", "per_sec", "ratio");
  std::printf("%-44s %12.0f %8.2f\n", "libsodium crypto_sign_verify_detached", best_sodium, 1.0);
  std::printf("%-44s %12.0f %8.2f\n", "portable [s]B-[k]A encode (one at a time)", best_portable,
              best_portable / best_sodium);
  if (best_ifma > 0)
    std::printf("%-44s %12.0f %8.2f\n", "avx512ifma [s]B-[k]A encode (x8 lanes)", best_ifma,
                best_ifma / best_sodium);
  else
    std::printf("avx512ifma: not supported by this CPU\n");
  if (best_avx2 > 0)
    std::printf("%-44s %12.0f %8.2f\n", "avx2 [s]B-[k]A encode (x4 lanes)", best_avx2,
                best_avx2 / best_sodium);
  else
    std::printf("avx2: not supported by this CPU\n");
  return 0;
}
