/* Address validation: a validator proves a client's source address before
 * that address may own a budget (UDP sources can be spoofed), as QUIC retry
 * tokens and DNS cookies (RFC 7873, RFC 9018) do.
 *
 *   client -> validator   vigil_addr_token, kind REQUEST, window 0, mac 0
 *   validator -> client   vigil_addr_token, kind GRANT, window and mac set
 *   client -> validator   vigil_addr_token, kind FRAME (the grant's window
 *                         and mac), then one transaction frame (frame.h)
 *
 * A datagram whose first byte is VIGIL_ADDR_TOKEN_MAGIC carries a token; any
 * other is a bare frame from an unproven source. The mac is the validator's
 * secret business (it is SipHash-2-4 under a per-process key of the source
 * address and the window); a client only copies it. A token is good for the
 * window it was minted in and the next one; a client asks again when a
 * frame is refused with VIGIL_ERR_BAD_TOKEN. The token is outside the
 * signed bytes: one signed frame may go to several validators, each with its
 * own token. A grant is never larger than its request: no amplification. */
#ifndef VIGIL_FI_TOKEN_H
#define VIGIL_FI_TOKEN_H

#include "types.h"

#define VIGIL_ADDR_TOKEN_MAGIC 0xA7 /* never a wire version */

enum vigil_addr_token_kind {
  VIGIL_ADDR_TOKEN_REQUEST = 1,
  VIGIL_ADDR_TOKEN_GRANT = 2,
  VIGIL_ADDR_TOKEN_FRAME = 3
};

typedef struct vigil_addr_token {
  vigil_u8 magic;    /* VIGIL_ADDR_TOKEN_MAGIC */
  vigil_u8 kind;     /* enum vigil_addr_token_kind */
  vigil_u8 version;  /* VIGIL_WIRE_VERSION */
  vigil_u8 reserved; /* zero */
  vigil_u32 window;  /* the validator's time window at minting, little-endian */
  vigil_u8 mac[8];   /* opaque to the client */
} vigil_addr_token;
VIGIL_ASSERT_SIZE(vigil_addr_token, 16);
VIGIL_ASSERT_OFFSET(vigil_addr_token, window, 4);
VIGIL_ASSERT_OFFSET(vigil_addr_token, mac, 8);

#endif /* VIGIL_FI_TOKEN_H */
