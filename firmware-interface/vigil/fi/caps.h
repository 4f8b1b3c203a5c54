/* Signature schemes, rule sets and the capability bits an accelerator (a
 * local driver or the remote service) announces. */
#ifndef VIGIL_FI_CAPS_H
#define VIGIL_FI_CAPS_H

/* Signature scheme ids: one byte in every frame and request, so that a
 * post-quantum scheme can be added without a new format. The scheme fixes
 * the key and signature lengths that follow a frame header. */
enum vigil_scheme { VIGIL_SCHEME_ED25519 = 1 };

#define VIGIL_ED25519_PUBKEY_LEN 32
#define VIGIL_ED25519_SIG_LEN 64

/* Rule sets (../shared/DESIGN.md "Consensus-critical crypto"). */
enum vigil_rules {
  VIGIL_RULES_STRICT = 1, /* as libsodium crypto_sign_verify_detached */
  VIGIL_RULES_ZIP215 = 2  /* ZIP 215: cofactored, batchable */
};

/* Capability bits (u64). */
#define VIGIL_CAP_ED25519_STRICT (1ull << 0)
#define VIGIL_CAP_ED25519_ZIP215 (1ull << 1)
#define VIGIL_CAP_SHA256 (1ull << 2)
#define VIGIL_CAP_SHA512 (1ull << 3)
#define VIGIL_CAP_MERKLE_SHA256 (1ull << 4)
#define VIGIL_CAP_BATCH_MSM (1ull << 5) /* true batch verification (zip215) */
#define VIGIL_CAP_DEVICE (1ull << 6)    /* runs on a GPU or other device */

#endif /* VIGIL_FI_CAPS_H */
