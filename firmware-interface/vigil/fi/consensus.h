/* Consensus messages (two-chain HotStuff / Jolteon). Every message is
 *
 *   vigil_msg_hdr   32 bytes (type, epoch, round, sender)
 *   body            body_len bytes, by type, below
 *   signature       64 bytes, the sender's. For a vote or timeout it covers
 *                   the type's domain string and the signed data
 *                   (vigil_vote_data, vigil_timeout_data) alone, so that a
 *                   certificate can carry it; for the other types it covers
 *                   the domain string, header and body.
 *
 * Variable parts (signatures of a certificate, blocks of a sync response)
 * follow their fixed struct back to back. Validators are named by their
 * index in the epoch's validator set. */
#ifndef VIGIL_FI_CONSENSUS_H
#define VIGIL_FI_CONSENSUS_H

#include "caps.h"
#include "types.h"

#define VIGIL_MAX_VALIDATORS 128
#define VIGIL_SIGNER_BITMAP_BYTES (VIGIL_MAX_VALIDATORS / 8)
#define VIGIL_HASH_LEN 32
/* The most transaction frames one block may carry (blocks of 10,000
 * transfers fit). A block's bytes are bounded apart: a proposal, like every
 * consensus message, is at most VIGIL_P2P_MAX_MESSAGE (16 MiB); 10,000
 * transfer frames are 1.72 MB, 16,384 frames of the largest payload 18.5 MB,
 * so the proposer bounds the bytes it takes too. */
#define VIGIL_BLOCK_MAX_TXS 16384
/* The most blocks one sync response may carry. */
#define VIGIL_SYNC_MAX_BLOCKS 64

/* Domain strings, prefixed to the bytes each signature covers, so that a
 * signature of one kind can never be replayed as another. */
#define VIGIL_DOMAIN_PROPOSAL "vigil/proposal/v1"
#define VIGIL_DOMAIN_VOTE "vigil/vote/v1"
#define VIGIL_DOMAIN_TIMEOUT "vigil/timeout/v1"
#define VIGIL_DOMAIN_SYNC "vigil/sync/v1"

enum vigil_msg_type {
  VIGIL_MSG_PROPOSAL = 1,
  VIGIL_MSG_VOTE = 2,
  VIGIL_MSG_TIMEOUT = 3,
  VIGIL_MSG_SYNC_REQUEST = 4,
  VIGIL_MSG_SYNC_RESPONSE = 5
};

typedef struct vigil_msg_hdr {
  vigil_u8 version; /* VIGIL_WIRE_VERSION */
  vigil_u8 type;    /* enum vigil_msg_type */
  vigil_u8 scheme;  /* enum vigil_scheme of the trailing signature */
  vigil_u8 reserved0;
  vigil_u32 body_len;
  vigil_u64 epoch;
  vigil_u64 round;
  vigil_u32 sender; /* validator index */
  vigil_u32 reserved1;
} vigil_msg_hdr;
VIGIL_ASSERT_SIZE(vigil_msg_hdr, 32);
VIGIL_ASSERT_OFFSET(vigil_msg_hdr, body_len, 4);
VIGIL_ASSERT_OFFSET(vigil_msg_hdr, epoch, 8);
VIGIL_ASSERT_OFFSET(vigil_msg_hdr, round, 16);
VIGIL_ASSERT_OFFSET(vigil_msg_hdr, sender, 24);

/* A block header; its id is SHA-256 of these 128 bytes. The transactions
 * (whole frames) follow it in a proposal. */
typedef struct vigil_block_hdr {
  vigil_u64 epoch;
  vigil_u64 round;
  vigil_u64 height;
  vigil_u8 parent_id[VIGIL_HASH_LEN];
  vigil_u8 tx_root[VIGIL_HASH_LEN];    /* SHA-256 Merkle root of the frames */
  vigil_u8 state_root[VIGIL_HASH_LEN]; /* state after the parent executed */
  vigil_u32 proposer;
  vigil_u32 tx_count;
} vigil_block_hdr;
VIGIL_ASSERT_SIZE(vigil_block_hdr, 128);
VIGIL_ASSERT_OFFSET(vigil_block_hdr, parent_id, 24);
VIGIL_ASSERT_OFFSET(vigil_block_hdr, tx_root, 56);
VIGIL_ASSERT_OFFSET(vigil_block_hdr, state_root, 88);
VIGIL_ASSERT_OFFSET(vigil_block_hdr, proposer, 120);

/* What a vote signs (after VIGIL_DOMAIN_VOTE). The parent fields let a node
 * that holds a QC tell which block the two-chain rule commits. */
typedef struct vigil_vote_data {
  vigil_u8 block_id[VIGIL_HASH_LEN];
  vigil_u64 epoch;
  vigil_u64 round;
  vigil_u64 height;
  vigil_u8 parent_id[VIGIL_HASH_LEN];
  vigil_u64 parent_round;
} vigil_vote_data;
VIGIL_ASSERT_SIZE(vigil_vote_data, 96);
VIGIL_ASSERT_OFFSET(vigil_vote_data, epoch, 32);
VIGIL_ASSERT_OFFSET(vigil_vote_data, parent_id, 56);
VIGIL_ASSERT_OFFSET(vigil_vote_data, parent_round, 88);

/* A quorum certificate: the vote data and 2f+1 votes on it. sig_count
 * signatures of 64 bytes follow, in ascending signer index. */
typedef struct vigil_qc_hdr {
  vigil_vote_data vote;
  vigil_u8 signers[VIGIL_SIGNER_BITMAP_BYTES]; /* bit i: validator i signed */
  vigil_u32 sig_count;
  vigil_u32 reserved;
} vigil_qc_hdr;
VIGIL_ASSERT_SIZE(vigil_qc_hdr, 120);
VIGIL_ASSERT_OFFSET(vigil_qc_hdr, signers, 96);
VIGIL_ASSERT_OFFSET(vigil_qc_hdr, sig_count, 112);

/* What a timeout signs (after VIGIL_DOMAIN_TIMEOUT). */
typedef struct vigil_timeout_data {
  vigil_u64 epoch;
  vigil_u64 round;
  vigil_u64 high_qc_round; /* round of the sender's highest QC */
} vigil_timeout_data;
VIGIL_ASSERT_SIZE(vigil_timeout_data, 24);

/* One signer's part of a timeout certificate. */
typedef struct vigil_tc_entry {
  vigil_u64 high_qc_round;
  vigil_u8 signature[VIGIL_ED25519_SIG_LEN];
} vigil_tc_entry;
VIGIL_ASSERT_SIZE(vigil_tc_entry, 72);

/* A timeout certificate: 2f+1 timeouts for one round. entry_count
 * vigil_tc_entry follow, in ascending signer index. */
typedef struct vigil_tc_hdr {
  vigil_u64 epoch;
  vigil_u64 round;
  vigil_u8 signers[VIGIL_SIGNER_BITMAP_BYTES];
  vigil_u32 entry_count;
  vigil_u32 reserved;
} vigil_tc_hdr;
VIGIL_ASSERT_SIZE(vigil_tc_hdr, 40);

/* Proposal body: this fixed part, then the parent's QC (vigil_qc_hdr and
 * its signatures), then the TC of the previous round when has_tc is 1, then
 * block.tx_count transaction frames back to back. */
typedef struct vigil_proposal_body {
  vigil_block_hdr block;
  vigil_u32 has_tc;
  vigil_u32 tx_bytes; /* total bytes of the frames */
} vigil_proposal_body;
VIGIL_ASSERT_SIZE(vigil_proposal_body, 136);

/* Vote body: a vigil_vote_data. Timeout body: a vigil_timeout_body, then
 * the sender's highest QC (vigil_qc_hdr and its signatures), then, when
 * has_tc is 1, the TC by which the sender entered this round, so that a
 * node left behind in an earlier round can catch up from any timeout. */
typedef struct vigil_timeout_body {
  vigil_timeout_data data; /* what the signature covers */
  vigil_u32 has_tc;
  vigil_u32 reserved;
} vigil_timeout_body;
VIGIL_ASSERT_SIZE(vigil_timeout_body, 32);
VIGIL_ASSERT_OFFSET(vigil_timeout_body, has_tc, 24);

/* Block sync: ask for up to max_blocks certified blocks ending at block_id
 * (walking parent links back towards from_height). */
typedef struct vigil_sync_request {
  vigil_u8 block_id[VIGIL_HASH_LEN];
  vigil_u64 from_height;
  vigil_u32 max_blocks; /* at most VIGIL_SYNC_MAX_BLOCKS */
  vigil_u32 reserved;
} vigil_sync_request;
VIGIL_ASSERT_SIZE(vigil_sync_request, 48);

/* Sync response: block_count proposal bodies (each with its QC and frames)
 * follow, lowest height first; then, when has_qc is 1, a QC that certifies
 * the last of them (it proves the chain and can commit its ancestors, which
 * is how a node left in an ended epoch learns the epoch's last commit). */
typedef struct vigil_sync_response {
  vigil_u32 block_count;
  vigil_u32 has_qc;
} vigil_sync_response;
VIGIL_ASSERT_SIZE(vigil_sync_response, 8);

#endif /* VIGIL_FI_CONSENSUS_H */
