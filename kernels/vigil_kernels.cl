/* Vigil's device kernels: the one source that nvcc (through
 * cuda/vigil_kernels.cu), every OpenCL runtime (clBuildProgram with
 * -I firmware-interface -I kernels) and the host test suite compile.
 *
 *   vigil_ed25519_verify  one signature per work-item, batch in the
 *                         vigil_batch_desc layout (desc at byte 0 of the
 *                         buffer); sets verdict bits with an atomic or and
 *                         writes one error byte per item
 *   vigil_sha256/512      one message per work-item (offsets as in a batch)
 *   vigil_merkle_level    RFC 6962 interior nodes of one tree level */
#include <vigil/fi/batch.h>

#include "vk_ed25519.h"

/* Verifies item i of the batch at `batch`; the caller zeroed `verdict`. */
VK_DEVICE void vk_verify_batch_item(VK_GLOBAL const vigil_u8* batch, VK_GLOBAL vigil_u32* verdict,
                                    VK_GLOBAL vigil_u8* errors, vigil_u32 i) {
  VK_GLOBAL const vigil_batch_desc* d = (VK_GLOBAL const vigil_batch_desc*)batch;
  vigil_u8 err;
  if (d->scheme != VIGIL_SCHEME_ED25519) {
    err = VIGIL_ERR_BAD_SCHEME;
  } else {
    VK_GLOBAL const vigil_u32* offs = (VK_GLOBAL const vigil_u32*)(batch + d->msg_offsets_off);
    vigil_u32 lo = offs[i], hi = offs[i + 1];
    if (hi < lo || hi > d->msg_bytes) {
      err = VIGIL_ERR_MALFORMED;
    } else {
      err = vk_ed25519_verify(batch + d->pubkey_off + 32ull * i, batch + d->sig_off + 64ull * i,
                              batch + d->msg_off + lo, hi - lo, d->rules);
    }
  }
  errors[i] = err;
  if (err == VIGIL_OK) vk_atomic_or(&verdict[i >> 5], 1u << (i & 31));
}

VK_DEVICE void vk_hash_item(VK_GLOBAL const vigil_u8* msgs, VK_GLOBAL const vigil_u32* offs,
                            VK_GLOBAL vigil_u8* out, vigil_u32 i, int is512) {
  vigil_u32 lo = offs[i], n = offs[i + 1] - offs[i];
  vigil_u8 md[64];
  if (is512) {
    vk_sha512_ctx c;
    vk_sha512_init(&c);
    vk_sha512_update_global(&c, msgs + lo, n);
    vk_sha512_final(&c, md);
    for (int j = 0; j < 64; ++j) out[64ull * i + j] = md[j];
  } else {
    vk_sha256_ctx c;
    vk_sha256_init(&c);
    vk_sha256_update_global(&c, msgs + lo, n);
    vk_sha256_final(&c, md);
    for (int j = 0; j < 32; ++j) out[32ull * i + j] = md[j];
  }
}

/* out[i] = SHA-256(0x01 || nodes[2i] || nodes[2i+1]); an unpaired last node
 * moves up unchanged (RFC 6962: the tree splits at the largest power of two,
 * which level by level is the same as promoting the odd node). */
VK_DEVICE void vk_merkle_item(VK_GLOBAL const vigil_u8* nodes, vigil_u32 count,
                              VK_GLOBAL vigil_u8* out, vigil_u32 i) {
  VK_GLOBAL const vigil_u8* left = nodes + 64ull * i;
  if (2 * i + 1 >= count) {
    for (int j = 0; j < 32; ++j) out[32ull * i + j] = left[j];
    return;
  }
  vk_sha256_ctx c;
  vigil_u8 md[32];
  vk_sha256_init(&c);
  vk_sha256_byte(&c, 1);
  vk_sha256_update_global(&c, left, 64);
  vk_sha256_final(&c, md);
  for (int j = 0; j < 32; ++j) out[32ull * i + j] = md[j];
}

#if !defined(VK_HOST)
VK_KERNEL void vigil_ed25519_verify(VK_GLOBAL const vigil_u8* batch, VK_GLOBAL vigil_u32* verdict,
                                    VK_GLOBAL vigil_u8* errors, vigil_u32 count) {
  vigil_u32 i = vk_global_id();
  if (i < count) vk_verify_batch_item(batch, verdict, errors, i);
}

VK_KERNEL void vigil_sha256(VK_GLOBAL const vigil_u8* msgs, VK_GLOBAL const vigil_u32* offs,
                            VK_GLOBAL vigil_u8* out, vigil_u32 count) {
  vigil_u32 i = vk_global_id();
  if (i < count) vk_hash_item(msgs, offs, out, i, 0);
}

VK_KERNEL void vigil_sha512(VK_GLOBAL const vigil_u8* msgs, VK_GLOBAL const vigil_u32* offs,
                            VK_GLOBAL vigil_u8* out, vigil_u32 count) {
  vigil_u32 i = vk_global_id();
  if (i < count) vk_hash_item(msgs, offs, out, i, 1);
}

VK_KERNEL void vigil_merkle_level(VK_GLOBAL const vigil_u8* nodes, vigil_u32 count,
                                  VK_GLOBAL vigil_u8* out) {
  vigil_u32 i = vk_global_id();
  if (i < (count + 1) / 2) vk_merkle_item(nodes, count, out, i);
}
#endif
