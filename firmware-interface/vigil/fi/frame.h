/* The transaction frame: what a client puts in one UDP datagram (or one
 * DPDK packet payload).
 *
 *   vigil_tx_frame_hdr  8 bytes
 *   public key          scheme-defined (Ed25519: 32)
 *   signature           scheme-defined (Ed25519: 64), over the payload bytes
 *   payload             payload_len bytes, at most VIGIL_TX_PAYLOAD_MAX
 *   crc32c              u32, little-endian, Castagnoli, over all bytes above
 *
 * A frame's total size must equal header + key + signature + payload + 4
 * exactly; anything else is a counted drop. */
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

#define VIGIL_TX_CRC_LEN 4
#define VIGIL_TX_PAYLOAD_MAX 1024
/* Smallest and largest Ed25519 frames. The largest fits a 1232-byte
 * datagram, the IPv6 minimum MTU less headers. */
#define VIGIL_TX_FRAME_MIN (104 + VIGIL_TX_CRC_LEN)
#define VIGIL_TX_FRAME_MAX (104 + VIGIL_TX_PAYLOAD_MAX + VIGIL_TX_CRC_LEN)
VIGIL_STATIC_ASSERT(VIGIL_TX_FRAME_MAX <= 1232, "frame fits one datagram");

#endif /* VIGIL_FI_FRAME_H */
