/* The validator peer protocol over TCP (host/p2p).
 *
 * A connection starts with a handshake in which both sides prove their
 * validator key by signing the other side's fresh challenge:
 *
 *   each side sends   vigil_p2p_hello   (magic, version, chain id, key, challenge)
 *   each side checks  version, chain id, key in the current validator set
 *                     (that of the epoch the checking side is in: committed
 *                     governance changes it at an epoch boundary)
 *   each side sends   vigil_p2p_proof   Ed25519 signature over
 *                     VIGIL_DOMAIN_P2P_HANDSHAKE || chain_id || signer key ||
 *                     the other side's key || the other side's challenge
 *   each side checks  the proof with the key the hello named
 *
 * Nothing else is read before both checks pass; a refusal closes the
 * connection and is counted by reason. After the handshake every message is
 * a u32 little-endian length followed by that many bytes (one consensus
 * message of <vigil/fi/consensus.h>), at most VIGIL_P2P_MAX_MESSAGE; a longer
 * length closes the connection. All fields little-endian. */
#ifndef VIGIL_FI_P2P_H
#define VIGIL_FI_P2P_H

#include "caps.h"
#include "types.h"

#define VIGIL_P2P_MAGIC 0x50475656u /* "VVGP" read as little-endian bytes */
#define VIGIL_P2P_VERSION 1
#define VIGIL_P2P_CHAIN_ID_LEN 32
#define VIGIL_P2P_CHALLENGE_LEN 32
#define VIGIL_DOMAIN_P2P_HANDSHAKE "vigil/p2p/handshake/v1"
/* The longest message after the handshake (a full block and certificates). */
#define VIGIL_P2P_MAX_MESSAGE (16u << 20)
/* The length prefix of a message. */
#define VIGIL_P2P_LEN_PREFIX 4

typedef struct vigil_p2p_hello {
  vigil_u32 magic;   /* VIGIL_P2P_MAGIC */
  vigil_u16 version; /* VIGIL_P2P_VERSION */
  vigil_u16 reserved;
  vigil_u8 chain_id[VIGIL_P2P_CHAIN_ID_LEN];     /* SHA-256 of the genesis file */
  vigil_u8 public_key[VIGIL_ED25519_PUBKEY_LEN]; /* the sender's validator key */
  vigil_u8 challenge[VIGIL_P2P_CHALLENGE_LEN];   /* fresh random bytes */
} vigil_p2p_hello;
VIGIL_ASSERT_SIZE(vigil_p2p_hello, 104);
VIGIL_ASSERT_OFFSET(vigil_p2p_hello, chain_id, 8);
VIGIL_ASSERT_OFFSET(vigil_p2p_hello, public_key, 40);
VIGIL_ASSERT_OFFSET(vigil_p2p_hello, challenge, 72);

typedef struct vigil_p2p_proof {
  vigil_u8 signature[VIGIL_ED25519_SIG_LEN];
} vigil_p2p_proof;
VIGIL_ASSERT_SIZE(vigil_p2p_proof, 64);

/* Why a handshake was refused (the metric label of each). */
enum vigil_p2p_refusal {
  VIGIL_P2P_REFUSE_MALFORMED = 1,   /* bad magic, reserved bits, short read */
  VIGIL_P2P_REFUSE_VERSION = 2,     /* another protocol version */
  VIGIL_P2P_REFUSE_CHAIN = 3,       /* another chain id */
  VIGIL_P2P_REFUSE_UNKNOWN_KEY = 4, /* key not in the current validator set */
  VIGIL_P2P_REFUSE_BAD_PROOF = 5,   /* signature does not verify */
  VIGIL_P2P_REFUSE_SELF = 6,        /* our own key */
  VIGIL_P2P_REFUSE_TIMEOUT = 7,     /* handshake not done in time */
  VIGIL_P2P_REFUSE_REMOVED_KEY = 8  /* key of an earlier validator set that
                                       committed governance removed */
};

/* Client transactions one validator forwards to the others, so that a
 * transaction sent to any validator reaches the leaders that propose. After
 * the handshake a message whose second byte is VIGIL_P2P_MSG_TX_FORWARD is
 * this header, then `count` transaction frames of <vigil/fi/frame.h> back to
 * back, each as its client signed it (no address token). The type never
 * collides with enum vigil_msg_type. A receiver verifies every frame as it
 * would a client's, and never forwards a forwarded frame again. */
#define VIGIL_P2P_MSG_TX_FORWARD 0x80
#define VIGIL_P2P_FORWARD_MAX_TXS 1024

typedef struct vigil_p2p_tx_forward_hdr {
  vigil_u8 version; /* VIGIL_WIRE_VERSION */
  vigil_u8 type;    /* VIGIL_P2P_MSG_TX_FORWARD */
  vigil_u16 count;  /* frames that follow, at most VIGIL_P2P_FORWARD_MAX_TXS */
  vigil_u32 reserved;
} vigil_p2p_tx_forward_hdr;
VIGIL_ASSERT_SIZE(vigil_p2p_tx_forward_hdr, 8);

#endif /* VIGIL_FI_P2P_H */
