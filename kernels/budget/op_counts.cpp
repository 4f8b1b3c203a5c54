// Field operations in one Ed25519 verification, counted by running the
// kernel source on the host (vendor.h's vk_count_op with VK_OP_COUNTS): the
// loop trip counts of the paper estimate (paper_estimate.py). Built once per
// field representation (VK_FIELD); prints one JSON object:
//   {"field": "fe51", "signatures": N, "strict": {"mul": ..., "sq": ..., ...},
//    "zip215": {...}}
// with the mean count per verification of valid signatures over seeded keys
// and messages (the Straus additions depend on the scalars' digits).
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

struct VkOpCounts {
  uint64_t mul, sq, add, sub, tobytes;
};
static VkOpCounts vk_op_counts;

#define VK_OP_COUNTS 1
#include "kernels/vigil_kernels.cl"

int main() {
  if (sodium_init() < 0) return 1;
  constexpr int kSigs = 256;
  std::printf("{\"field\": \"%s\", \"signatures\": %d", VK_FIELD_NAME, kSigs);
  for (vigil_u32 rules : {vigil_u32(VIGIL_RULES_STRICT), vigil_u32(VIGIL_RULES_ZIP215)}) {
    vk_op_counts = {};
    for (int i = 0; i < kSigs; ++i) {
      // Seeded keys and messages: the same counts on every run.
      uint8_t seed[32] = {uint8_t(i), uint8_t(i >> 8), 0x5e}, pk[32], sk[64], sig[64], msg[64];
      for (int b = 0; b < 64; ++b) msg[b] = uint8_t(i * 31 + b);
      crypto_sign_seed_keypair(pk, sk, seed);
      crypto_sign_detached(sig, nullptr, msg, sizeof msg, sk);
      if (vk_ed25519_verify(pk, sig, msg, sizeof msg, rules) != VIGIL_OK) {
        std::fprintf(stderr, "op_counts: a valid signature failed to verify\n");
        return 1;
      }
    }
    const VkOpCounts& c = vk_op_counts;
    std::printf(
        ", \"%s\": {\"mul\": %.2f, \"sq\": %.2f, \"add\": %.2f, \"sub\": %.2f, \"tobytes\": %.2f}",
        rules == VIGIL_RULES_STRICT ? "strict" : "zip215", double(c.mul) / kSigs,
        double(c.sq) / kSigs, double(c.add) / kSigs, double(c.sub) / kSigs,
        double(c.tobytes) / kSigs);
  }
  std::printf("}\n");
  return 0;
}
