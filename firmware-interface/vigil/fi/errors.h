/* Error codes: one byte per item in completions, and the status of whole
 * requests. Values are stable; new codes are appended. */
#ifndef VIGIL_FI_ERRORS_H
#define VIGIL_FI_ERRORS_H

enum vigil_error {
  VIGIL_OK = 0,
  /* Frame parsing (ingest drops, counted by reason). */
  VIGIL_ERR_SHORT = 1,           /* fewer bytes than the fixed header */
  VIGIL_ERR_BAD_LENGTH = 2,      /* payload length disagrees with frame size */
  VIGIL_ERR_BAD_CRC = 3,         /* CRC32C mismatch */
  VIGIL_ERR_UNKNOWN_VERSION = 4, /* wire version not supported */
  VIGIL_ERR_UNKNOWN_SCHEME = 5,  /* signature scheme id not supported */
  VIGIL_ERR_OVERSIZED = 6,       /* larger than the maximum frame */
  VIGIL_ERR_DUPLICATE = 7,       /* same signature seen recently */
  VIGIL_ERR_RATE_LIMITED = 8,    /* over a token-bucket budget */
  VIGIL_ERR_QUEUE_FULL = 9,      /* a bounded ring was full */
  VIGIL_ERR_BAD_TOKEN = 10,      /* address-validation token forged or stale (token.h) */
  /* Signature verdicts (why an item is invalid). */
  VIGIL_ERR_SIG_INVALID = 16,        /* the verification equation fails */
  VIGIL_ERR_S_NONCANONICAL = 17,     /* S >= L */
  VIGIL_ERR_POINT_DECODE = 18,       /* A or R is not a curve point */
  VIGIL_ERR_POINT_NONCANONICAL = 19, /* strict: non-canonical A or R */
  VIGIL_ERR_SMALL_ORDER = 20,        /* strict: A or R of small order */
  VIGIL_ERR_BAD_RULES = 21,          /* unknown rule set */
  VIGIL_ERR_BAD_SCHEME = 22,         /* item's scheme not offered */
  /* Device and service faults. */
  VIGIL_ERR_DEVICE_FAULT = 32,   /* device error; re-verified on CPU */
  VIGIL_ERR_DEADLINE = 33,       /* batch past its deadline */
  VIGIL_ERR_OVERLOADED = 34,     /* service queue full; retry later */
  VIGIL_ERR_TOO_LARGE = 35,      /* request over the advertised maximum */
  VIGIL_ERR_MALFORMED = 36,      /* request does not parse */
  VIGIL_ERR_UNSUPPORTED = 37,    /* capability not offered */
  VIGIL_ERR_UNAUTHENTICATED = 38 /* service handshake refused */
};

#endif /* VIGIL_FI_ERRORS_H */
