/* Transaction payloads (what a frame's payload carries; the frame's key is
 * the signer) and execution receipts. Little-endian, fixed size, a version
 * byte first, reserved bytes zero.
 *
 *   kind TRANSFER   the signer pays `amount` to `to` and `fee` to the
 *                   block's proposer; `nonce` must be the signer's next one.
 *   kind GOVERNANCE a validator of the current epoch approves a change: a
 *                   new validator set (its keys follow the fixed part) or a
 *                   protocol version. Approvals of 2f+1 distinct validators
 *                   of the epoch for the same change make it take effect at
 *                   the end of the block that brings the last one.
 *
 * A receipt records, for every frame of a committed block in order, its
 * outcome: VIGIL_OK or a VIGIL_TX_ERR_* code. A rejected transaction changes
 * no state (it pays no fee and does not use its nonce). */
#ifndef VIGIL_FI_TRANSFER_H
#define VIGIL_FI_TRANSFER_H

#include "consensus.h"
#include "types.h"

#define VIGIL_TX_VERSION 1

enum vigil_tx_kind { VIGIL_TX_TRANSFER = 1, VIGIL_TX_GOVERNANCE = 2 };

typedef struct vigil_transfer {
  vigil_u8 version; /* VIGIL_TX_VERSION */
  vigil_u8 kind;    /* VIGIL_TX_TRANSFER */
  vigil_u8 reserved[6];
  vigil_u8 to[32]; /* the payee's Ed25519 public key */
  vigil_u64 amount;
  vigil_u64 fee;
  vigil_u64 nonce; /* the signer's nonce before this transaction */
} vigil_transfer;
VIGIL_ASSERT_SIZE(vigil_transfer, 64);
VIGIL_ASSERT_OFFSET(vigil_transfer, to, 8);
VIGIL_ASSERT_OFFSET(vigil_transfer, amount, 40);
VIGIL_ASSERT_OFFSET(vigil_transfer, fee, 48);
VIGIL_ASSERT_OFFSET(vigil_transfer, nonce, 56);

enum vigil_gov_action { VIGIL_GOV_VALIDATOR_SET = 1, VIGIL_GOV_PROTOCOL_VERSION = 2 };

/* Fixed part of a governance approval. VALIDATOR_SET: key_count keys of 32
 * bytes follow (1..VIGIL_MAX_VALIDATORS); PROTOCOL_VERSION: none follow and
 * key_count is 0. `epoch` is the epoch whose validators approve; `nonce` is
 * the signer's account nonce, as for a transfer. */
typedef struct vigil_governance {
  vigil_u8 version; /* VIGIL_TX_VERSION */
  vigil_u8 kind;    /* VIGIL_TX_GOVERNANCE */
  vigil_u8 action;  /* enum vigil_gov_action */
  vigil_u8 reserved;
  vigil_u32 key_count;
  vigil_u64 epoch;
  vigil_u64 protocol_version; /* PROTOCOL_VERSION: the version to activate */
  vigil_u64 nonce;
} vigil_governance;
VIGIL_ASSERT_SIZE(vigil_governance, 32);
VIGIL_ASSERT_OFFSET(vigil_governance, key_count, 4);
VIGIL_ASSERT_OFFSET(vigil_governance, epoch, 8);
VIGIL_ASSERT_OFFSET(vigil_governance, nonce, 24);

/* Receipt codes (stable; appended only). */
enum vigil_tx_error {
  VIGIL_TX_OK = 0,
  VIGIL_TX_ERR_MALFORMED = 1,       /* frame or payload does not parse */
  VIGIL_TX_ERR_BAD_SIGNATURE = 2,   /* the frame's signature is invalid */
  VIGIL_TX_ERR_UNKNOWN_ACCOUNT = 3, /* the signer has no account */
  VIGIL_TX_ERR_BAD_NONCE = 4,       /* not the signer's next nonce (replay) */
  VIGIL_TX_ERR_INSUFFICIENT = 5,    /* balance below amount + fee */
  VIGIL_TX_ERR_OVERFLOW = 6,        /* amount + fee, or a credit, overflows */
  VIGIL_TX_ERR_NOT_VALIDATOR = 7,   /* governance signer not of the epoch */
  VIGIL_TX_ERR_WRONG_EPOCH = 8,     /* governance for another epoch */
  VIGIL_TX_ERR_BAD_ACTION = 9,      /* unknown action, bad key list */
  VIGIL_TX_ERR_DUPLICATE_VOTE = 10  /* this validator already approved it */
};

/* One receipt per frame, in block order. */
typedef struct vigil_receipt {
  vigil_u32 index; /* the frame's position in its block */
  vigil_u8 code;   /* enum vigil_tx_error */
  vigil_u8 kind;   /* enum vigil_tx_kind, 0 when malformed */
  vigil_u16 reserved;
} vigil_receipt;
VIGIL_ASSERT_SIZE(vigil_receipt, 8);

#endif /* VIGIL_FI_TRANSFER_H */
