/* The accelerator service: other validators send batches of signatures over
 * TCP and get verdicts back. Every request and response is a header and a
 * body of body_len bytes; requests are answered in any order, matched by
 * request_id.
 *
 * VERIFY request body: count items, each a vigil_svc_item followed by
 * msg_len message bytes. VERIFY response body: the verdict bitmap, u32
 * words (bit i of word i/32 set: item i valid), then count error bytes
 * (enum vigil_error, VIGIL_OK for a valid item).
 * CAPS request: empty body; response body: a vigil_svc_caps. */
#ifndef VIGIL_FI_SERVICE_H
#define VIGIL_FI_SERVICE_H

#include "caps.h"
#include "types.h"

#define VIGIL_SVC_MAX_BATCH 65536
#define VIGIL_SVC_MAX_MSG_LEN 4096
#define VIGIL_SVC_MAX_BODY (16u * 1024u * 1024u)

enum vigil_svc_type { VIGIL_SVC_VERIFY = 1, VIGIL_SVC_CAPS = 2 };

typedef struct vigil_svc_request_hdr {
  vigil_u8 version; /* VIGIL_WIRE_VERSION */
  vigil_u8 type;    /* enum vigil_svc_type */
  vigil_u8 scheme;  /* enum vigil_scheme of every item */
  vigil_u8 rules;   /* enum vigil_rules */
  vigil_u32 count;  /* items, at most VIGIL_SVC_MAX_BATCH */
  vigil_u64 request_id;
  vigil_u32 body_len;    /* at most VIGIL_SVC_MAX_BODY */
  vigil_u32 deadline_us; /* 0: none; past it the answer is DEADLINE */
} vigil_svc_request_hdr;
VIGIL_ASSERT_SIZE(vigil_svc_request_hdr, 24);
VIGIL_ASSERT_OFFSET(vigil_svc_request_hdr, request_id, 8);
VIGIL_ASSERT_OFFSET(vigil_svc_request_hdr, body_len, 16);

typedef struct vigil_svc_item {
  vigil_u8 pubkey[VIGIL_ED25519_PUBKEY_LEN];
  vigil_u8 signature[VIGIL_ED25519_SIG_LEN];
  vigil_u32 msg_len; /* at most VIGIL_SVC_MAX_MSG_LEN */
} vigil_svc_item;
VIGIL_ASSERT_SIZE(vigil_svc_item, 100);
VIGIL_ASSERT_OFFSET(vigil_svc_item, msg_len, 96);

typedef struct vigil_svc_response_hdr {
  vigil_u8 version;
  vigil_u8 type;
  vigil_u8 status; /* enum vigil_error for the whole request */
  vigil_u8 reserved;
  vigil_u32 count;
  vigil_u64 request_id;
  vigil_u32 body_len;
  vigil_u32 reserved1;
} vigil_svc_response_hdr;
VIGIL_ASSERT_SIZE(vigil_svc_response_hdr, 24);

typedef struct vigil_svc_caps {
  vigil_u64 caps; /* VIGIL_CAP_* */
  vigil_u32 max_batch;
  vigil_u32 max_msg_len;
  vigil_u16 protocol_major;
  vigil_u16 protocol_minor;
  vigil_u32 reserved;
  vigil_u8 engine[32]; /* NUL-padded name of the engine serving requests */
} vigil_svc_caps;
VIGIL_ASSERT_SIZE(vigil_svc_caps, 56);

#endif /* VIGIL_FI_SERVICE_H */
