/* The batch an accelerator verifies and the completion it returns. A batch
 * lives in one buffer (host or device), structure of arrays, so a device
 * thread reads item i's fields at fixed strides:
 *
 *   pubkeys      count * 32 bytes at pubkey_off
 *   signatures   count * 64 bytes at sig_off
 *   msg offsets  count + 1 u32 at msg_offsets_off: item i's message is
 *                bytes [off[i], off[i+1]) of the message area
 *   messages     msg_bytes bytes at msg_off
 *
 * The completion is a verdict bitmap of u32 words (bit i of word i/32 set:
 * item i valid; u32 so that 32-bit device atomics can set bits) and one
 * error byte per item (enum vigil_error). */
#ifndef VIGIL_FI_BATCH_H
#define VIGIL_FI_BATCH_H

#include "caps.h"
#include "types.h"

#define VIGIL_BATCH_MAX 65536
#define VIGIL_VERDICT_WORDS(count) (((count) + 31u) / 32u)

typedef struct vigil_batch_desc {
  vigil_u32 count; /* items, at most VIGIL_BATCH_MAX */
  vigil_u8 rules;  /* enum vigil_rules */
  vigil_u8 scheme; /* enum vigil_scheme */
  vigil_u16 flags; /* VIGIL_BATCH_FLAG_* */
  vigil_u32 msg_bytes;
  vigil_u32 reserved;
  vigil_u64 pubkey_off; /* byte offsets from the start of the buffer */
  vigil_u64 sig_off;
  vigil_u64 msg_offsets_off;
  vigil_u64 msg_off;
} vigil_batch_desc;
VIGIL_ASSERT_SIZE(vigil_batch_desc, 48);
VIGIL_ASSERT_OFFSET(vigil_batch_desc, rules, 4);
VIGIL_ASSERT_OFFSET(vigil_batch_desc, pubkey_off, 16);
VIGIL_ASSERT_OFFSET(vigil_batch_desc, msg_off, 40);

/* A bulk batch (transactions): scheduled as large whatever its count, so
 * a batch a deadline flushed half empty never takes the express lane that
 * votes need. */
#define VIGIL_BATCH_FLAG_BULK 0x0001u

/* The layout size every packer and driver agrees on: the most bytes a
 * batch of at most n items and m message bytes occupies, with the
 * descriptor and every region aligned to VIGIL_BATCH_ALIGN (the host
 * batcher's layout; tighter layouts are smaller). A driver's staging
 * buffer holds this many bytes and refuses any larger batch. */
#define VIGIL_BATCH_ALIGN 64u
#define VIGIL_BATCH_ALIGN_UP(x) \
  (((vigil_u64)(x) + VIGIL_BATCH_ALIGN - 1) & ~(vigil_u64)(VIGIL_BATCH_ALIGN - 1))
/* Offsets of that layout for a capacity of n items. */
#define VIGIL_BATCH_PUBKEY_OFF VIGIL_BATCH_ALIGN_UP(sizeof(vigil_batch_desc))
#define VIGIL_BATCH_SIG_OFF(n) VIGIL_BATCH_ALIGN_UP(VIGIL_BATCH_PUBKEY_OFF + 32ull * (n))
#define VIGIL_BATCH_MSG_OFFSETS_OFF(n) VIGIL_BATCH_ALIGN_UP(VIGIL_BATCH_SIG_OFF(n) + 64ull * (n))
#define VIGIL_BATCH_MSG_OFF(n) \
  VIGIL_BATCH_ALIGN_UP(VIGIL_BATCH_MSG_OFFSETS_OFF(n) + 4ull * ((vigil_u64)(n) + 1))
#define VIGIL_BATCH_BYTES_MAX(n, m) VIGIL_BATCH_ALIGN_UP(VIGIL_BATCH_MSG_OFF(n) + (m))

/* The completion's fixed part; VIGIL_VERDICT_WORDS(count) u32 words and
 * count error bytes follow. */
typedef struct vigil_batch_completion {
  vigil_u32 count;
  vigil_u32 status; /* enum vigil_error for the whole batch */
  vigil_u32 valid;  /* number of valid items */
  vigil_u32 faults; /* device faults re-verified on the CPU */
} vigil_batch_completion;
VIGIL_ASSERT_SIZE(vigil_batch_completion, 16);

#endif /* VIGIL_FI_BATCH_H */
