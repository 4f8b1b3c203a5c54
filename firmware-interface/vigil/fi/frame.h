/* The transaction frame: what a client puts in one UDP datagram (or one
 * DPDK packet payload).
 *
 *   vigil_tx_frame_hdr  8 bytes
 *   public key          scheme-defined (Ed25519: 32)
 *   signature           scheme-defined (Ed25519: 64), over the signed message
 *   payload             payload_len bytes, at most VIGIL_TX_PAYLOAD_MAX
 *   crc32c              u32, little-endian, Castagnoli, over all bytes above
 *
 * A frame's total size must equal header + key + signature + payload + 4
 * exactly; anything else is a counted drop.
 *
 * The signed message (wire version 2 on) is
 *
 *   VIGIL_TX_SIGN_DOMAIN   VIGIL_TX_SIGN_DOMAIN_LEN bytes, no terminator
 *   header                 the 8 header bytes exactly as sent
 *   payload                payload_len bytes
 *
 * so no byte that gives a frame meaning (version, scheme, length, flags,
 * payload) can change without breaking the signature; Ed25519 itself binds
 * the public key. The domain keeps a frame's signature from being valid as
 * any other Vigil message. Signature, key and payload are the
 * transaction's identity: dedup and the mempool key on them. */
#ifndef VIGIL_FI_FRAME_H
#define VIGIL_FI_FRAME_H

#include "caps.h"
#include "types.h"

typedef struct vigil_tx_frame_hdr {
  vigil_u8 version;      /* VIGIL_WIRE_VERSION */
  vigil_u8 scheme;       /* enum vigil_scheme */
  vigil_u16 payload_len; /* bytes of payload after the signature */
  vigil_u32 flags;       /* zero; reserved for later minor versions */
} vigil_tx_frame_hdr;
VIGIL_ASSERT_SIZE(vigil_tx_frame_hdr, 8);
VIGIL_ASSERT_OFFSET(vigil_tx_frame_hdr, payload_len, 2);
VIGIL_ASSERT_OFFSET(vigil_tx_frame_hdr, flags, 4);

/* The fixed part of an Ed25519 frame, payload and CRC follow it. */
typedef struct vigil_tx_frame_ed25519 {
  vigil_tx_frame_hdr hdr;
  vigil_u8 pubkey[VIGIL_ED25519_PUBKEY_LEN];
  vigil_u8 signature[VIGIL_ED25519_SIG_LEN];
} vigil_tx_frame_ed25519;
VIGIL_ASSERT_SIZE(vigil_tx_frame_ed25519, 104);
VIGIL_ASSERT_OFFSET(vigil_tx_frame_ed25519, pubkey, 8);
VIGIL_ASSERT_OFFSET(vigil_tx_frame_ed25519, signature, 40);

#define VIGIL_TX_SIGN_DOMAIN "VIGIL/tx-frame/2"
#define VIGIL_TX_SIGN_DOMAIN_LEN 16
VIGIL_STATIC_ASSERT(sizeof(VIGIL_TX_SIGN_DOMAIN) == VIGIL_TX_SIGN_DOMAIN_LEN + 1, "domain length");

#define VIGIL_TX_CRC_LEN 4
#define VIGIL_TX_PAYLOAD_MAX 1024
/* Smallest and largest Ed25519 frames. The largest fits a 1232-byte
 * datagram, the IPv6 minimum MTU less headers. */
#define VIGIL_TX_FRAME_MIN (104 + VIGIL_TX_CRC_LEN)
#define VIGIL_TX_FRAME_MAX (104 + VIGIL_TX_PAYLOAD_MAX + VIGIL_TX_CRC_LEN)
VIGIL_STATIC_ASSERT(VIGIL_TX_FRAME_MAX <= 1232, "frame fits one datagram");
/* Size of the signed message of a frame with `payload_len` payload bytes. */
#define VIGIL_TX_SIGNED_LEN(payload_len) (VIGIL_TX_SIGN_DOMAIN_LEN + 8 + (payload_len))

#endif /* VIGIL_FI_FRAME_H */
