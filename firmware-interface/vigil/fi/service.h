/* The accelerator service: other validators and programs send batches of
 * signatures over TCP (optionally inside TLS) and get verdicts back. This
 * header is the whole protocol; all integers are little-endian.
 *
 * 1. Handshake. On connect the server sends a vigil_svc_hello (its Ed25519
 *    key and a fresh random challenge). The client answers with a
 *    vigil_svc_auth: its key and an Ed25519 signature over
 *        VIGIL_SVC_AUTH_DOMAIN (17 bytes, no NUL) || challenge || server_key
 *    The server checks, before any verification work, that the key is on
 *    its allowlist and the signature is valid (strict rules), then answers
 *    with a vigil_svc_response_hdr of type VIGIL_SVC_AUTH: status VIGIL_OK
 *    and a vigil_svc_caps body, or VIGIL_ERR_UNAUTHENTICATED and no body,
 *    after which it closes the connection. A client that does not finish
 *    the handshake within VIGIL_SVC_HANDSHAKE_TIMEOUT_MS is disconnected.
 *
 * 2. Requests. Every request and response is a header and a body of
 *    body_len bytes; requests are pipelined and answered in any order,
 *    matched by request_id (chosen by the client, unique among its requests
 *    in flight).
 *
 *    VERIFY request body: count items, each a vigil_svc_item followed by
 *    msg_len message bytes. VERIFY response body (status VIGIL_OK): the
 *    verdict bitmap, VIGIL_SVC_VERDICT_WORDS(count) u32 words (bit i of word
 *    i/32 set: item i valid), then count error bytes (enum vigil_error,
 *    VIGIL_OK for a valid item). Any other status has an empty body.
 *    CAPS request: empty body; response body: a vigil_svc_caps.
 *    PING request: empty body; response: status VIGIL_OK, empty body (the
 *    heartbeat a client uses to tell a live server from a dead one).
 *
 * 3. Statuses (vigil_svc_response_hdr.status, enum vigil_error):
 *      VIGIL_OK                   verdicts follow
 *      VIGIL_ERR_OVERLOADED       the queue or the client's quota is full;
 *                                 answered at once, retry later or elsewhere
 *      VIGIL_ERR_TOO_LARGE        count or body over the announced limits
 *      VIGIL_ERR_DEADLINE         deadline_us passed before the verdicts
 *      VIGIL_ERR_BAD_RULES, VIGIL_ERR_BAD_SCHEME   not offered
 *      VIGIL_ERR_MALFORMED        the request does not parse; the server
 *                                 sends this answer, then closes
 *      VIGIL_ERR_UNKNOWN_VERSION  header version is not VIGIL_WIRE_VERSION;
 *                                 answered as MALFORMED is, then closed
 *      VIGIL_ERR_UNAUTHENTICATED  handshake refused (see 1.)
 *
 * 4. Flow limits. A client keeps every request within what the server's
 *    vigil_svc_caps announce: count <= max_batch, every msg_len <=
 *    max_msg_len, body_len <= max_body, at most max_in_flight requests
 *    outstanding. Past max_in_flight the server answers OVERLOADED; past the
 *    others, TOO_LARGE. A connection idle for idle_timeout_ms, or one whose
 *    request body does not arrive within VIGIL_SVC_READ_TIMEOUT_MS of its
 *    header, is closed. */
#ifndef VIGIL_FI_SERVICE_H
#define VIGIL_FI_SERVICE_H

#include "caps.h"
#include "errors.h"
#include "types.h"

#define VIGIL_SVC_MAX_BATCH 65536
#define VIGIL_SVC_MAX_MSG_LEN 4096
#define VIGIL_SVC_MAX_BODY (16u * 1024u * 1024u)
#define VIGIL_SVC_VERDICT_WORDS(count) (((count) + 31u) / 32u)
#define VIGIL_SVC_HANDSHAKE_TIMEOUT_MS 5000u
#define VIGIL_SVC_READ_TIMEOUT_MS 10000u

#define VIGIL_SVC_MAGIC_HELLO "VGSH" /* 4 bytes, no NUL */
#define VIGIL_SVC_MAGIC_AUTH "VGSA"
#define VIGIL_SVC_AUTH_DOMAIN "vigil-svc-auth-v1" /* 17 bytes signed, no NUL */
#define VIGIL_SVC_AUTH_DOMAIN_LEN 17
#define VIGIL_SVC_CHALLENGE_LEN 32

enum vigil_svc_type {
  VIGIL_SVC_VERIFY = 1,
  VIGIL_SVC_CAPS = 2,
  VIGIL_SVC_PING = 3,
  VIGIL_SVC_AUTH = 4 /* only as the answer to a vigil_svc_auth */
};

/* Server -> client, first bytes of a connection. */
typedef struct vigil_svc_hello {
  vigil_u8 magic[4]; /* VIGIL_SVC_MAGIC_HELLO */
  vigil_u8 version;  /* VIGIL_WIRE_VERSION */
  vigil_u8 reserved[3];
  vigil_u8 server_key[VIGIL_ED25519_PUBKEY_LEN];
  vigil_u8 challenge[VIGIL_SVC_CHALLENGE_LEN]; /* fresh per connection */
} vigil_svc_hello;
VIGIL_ASSERT_SIZE(vigil_svc_hello, 72);
VIGIL_ASSERT_OFFSET(vigil_svc_hello, server_key, 8);
VIGIL_ASSERT_OFFSET(vigil_svc_hello, challenge, 40);

/* Client -> server, the answer to a hello. */
typedef struct vigil_svc_auth {
  vigil_u8 magic[4]; /* VIGIL_SVC_MAGIC_AUTH */
  vigil_u8 version;  /* VIGIL_WIRE_VERSION */
  vigil_u8 reserved[3];
  vigil_u8 client_key[VIGIL_ED25519_PUBKEY_LEN];
  vigil_u8 proof[VIGIL_ED25519_SIG_LEN]; /* over domain || challenge || server_key */
} vigil_svc_auth;
VIGIL_ASSERT_SIZE(vigil_svc_auth, 104);
VIGIL_ASSERT_OFFSET(vigil_svc_auth, client_key, 8);
VIGIL_ASSERT_OFFSET(vigil_svc_auth, proof, 40);

typedef struct vigil_svc_request_hdr {
  vigil_u8 version; /* VIGIL_WIRE_VERSION */
  vigil_u8 type;    /* enum vigil_svc_type */
  vigil_u8 scheme;  /* enum vigil_scheme of every item */
  vigil_u8 rules;   /* enum vigil_rules */
  vigil_u32 count;  /* items, at most the announced max_batch */
  vigil_u64 request_id;
  vigil_u32 body_len;    /* at most the announced max_body */
  vigil_u32 deadline_us; /* from the server's receipt; 0: none */
} vigil_svc_request_hdr;
VIGIL_ASSERT_SIZE(vigil_svc_request_hdr, 24);
VIGIL_ASSERT_OFFSET(vigil_svc_request_hdr, request_id, 8);
VIGIL_ASSERT_OFFSET(vigil_svc_request_hdr, body_len, 16);

typedef struct vigil_svc_item {
  vigil_u8 pubkey[VIGIL_ED25519_PUBKEY_LEN];
  vigil_u8 signature[VIGIL_ED25519_SIG_LEN];
  vigil_u32 msg_len; /* at most the announced max_msg_len */
} vigil_svc_item;
VIGIL_ASSERT_SIZE(vigil_svc_item, 100);
VIGIL_ASSERT_OFFSET(vigil_svc_item, msg_len, 96);

typedef struct vigil_svc_response_hdr {
  vigil_u8 version;
  vigil_u8 type;   /* the request's type */
  vigil_u8 status; /* enum vigil_error for the whole request */
  vigil_u8 reserved;
  vigil_u32 count; /* the request's count */
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
  vigil_u32 max_in_flight; /* requests outstanding per client */
  vigil_u32 max_body;
  vigil_u32 idle_timeout_ms;
  vigil_u8 engine[32]; /* NUL-padded name of the engine serving requests */
} vigil_svc_caps;
VIGIL_ASSERT_SIZE(vigil_svc_caps, 64);
VIGIL_ASSERT_OFFSET(vigil_svc_caps, max_in_flight, 20);
VIGIL_ASSERT_OFFSET(vigil_svc_caps, engine, 32);

#endif /* VIGIL_FI_SERVICE_H */
