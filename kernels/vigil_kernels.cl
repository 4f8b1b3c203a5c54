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

/* 1 when [off, off + len) lies within `size` bytes, without overflow. */
VK_DEVICE int vk_within(vigil_u64 off, vigil_u64 len, vigil_u64 size) {
  return off <= size && len <= size - off;
}

/* 1 when every region the descriptor names lies inside the `size`-byte
 * buffer and the offset table is 4-byte aligned: the kernel then never reads
 * outside the batch, whatever the descriptor says. */
VK_DEVICE int vk_batch_desc_fits(VK_GLOBAL const vigil_batch_desc* d, vigil_u64 size) {
  vigil_u64 n = d->count;
  return size >= sizeof(vigil_batch_desc) && n <= VIGIL_BATCH_MAX &&
         vk_within(d->pubkey_off, 32 * n, size) && vk_within(d->sig_off, 64 * n, size) &&
         vk_within(d->msg_offsets_off, 4 * (n + 1), size) && (d->msg_offsets_off & 3) == 0 &&
         vk_within(d->msg_off, d->msg_bytes, size);
}

/* Verifies item i of the `size`-byte batch at `batch`; the caller zeroed
 * `verdict`. */
VK_DEVICE void vk_verify_batch_item(VK_GLOBAL const vigil_u8* batch, vigil_u64 size,
                                    VK_GLOBAL vigil_u32* verdict, VK_GLOBAL vigil_u8* errors,
                                    vigil_u32 i) {
  VK_GLOBAL const vigil_batch_desc* d = (VK_GLOBAL const vigil_batch_desc*)batch;
  vigil_u8 err;
  if (size < sizeof(vigil_batch_desc) || !vk_batch_desc_fits(d, size) || i >= d->count) {
    err = VIGIL_ERR_MALFORMED;
  } else if (d->scheme != VIGIL_SCHEME_ED25519) {
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
/* nvcc links one translation unit per field representation into one
 * binary, so each names its verify entry point (VK_VERIFY_ENTRY) and only
 * one carries the hashing kernels (VK_VERIFY_ONLY in the others). OpenCL
 * builds one program per representation and keeps the default name. */
#ifndef VK_VERIFY_ENTRY
#define VK_VERIFY_ENTRY vigil_ed25519_verify
#endif
VK_KERNEL void VK_VERIFY_ENTRY(VK_GLOBAL const vigil_u8* batch, vigil_u64 batch_bytes,
                               VK_GLOBAL vigil_u32* verdict, VK_GLOBAL vigil_u8* errors,
                               vigil_u32 count) {
  vigil_u32 i = vk_global_id();
  if (i < count) vk_verify_batch_item(batch, batch_bytes, verdict, errors, i);
}

#ifndef VK_VERIFY_ONLY

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
#endif /* VK_VERIFY_ONLY */
#endif
