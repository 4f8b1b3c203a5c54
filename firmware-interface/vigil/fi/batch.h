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
  vigil_u16 flags; /* zero */
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
