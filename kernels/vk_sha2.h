/* SHA-512 and SHA-256 (FIPS 180-4) in device code. Input is absorbed from
 * global memory (the batch buffer) or from private memory; the block buffer
 * and state live in private memory. One work-item hashes one message. */
#ifndef VIGIL_KERNELS_SHA2_H
#define VIGIL_KERNELS_SHA2_H

#include "vendor.h"

VK_CONST_DECL vigil_u64 vk_sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};

VK_CONST_DECL vigil_u32 vk_sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

#define VK_ROR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define VK_ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

typedef struct {
  vigil_u64 h[8];
  vigil_u8 buf[128];
  vigil_u32 used;  /* bytes in buf */
  vigil_u64 total; /* bytes absorbed */
} vk_sha512_ctx;

typedef struct {
  vigil_u32 h[8];
  vigil_u8 buf[64];
  vigil_u32 used;
  vigil_u64 total;
} vk_sha256_ctx;

VK_DEVICE VK_NOINLINE void vk_sha512_compress(vk_sha512_ctx* c) {
  vigil_u64 w[16];
  for (int i = 0; i < 16; ++i) {
    vigil_u64 x = 0;
    for (int j = 0; j < 8; ++j) x = (x << 8) | c->buf[8 * i + j];
    w[i] = x;
  }
  vigil_u64 a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
  vigil_u64 e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
  for (int t = 0; t < 80; ++t) {
    vigil_u64 wt;
    if (t < 16) {
      wt = w[t];
    } else {
      vigil_u64 w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      vigil_u64 s0 = VK_ROR64(w15, 1) ^ VK_ROR64(w15, 8) ^ (w15 >> 7);
      vigil_u64 s1 = VK_ROR64(w2, 19) ^ VK_ROR64(w2, 61) ^ (w2 >> 6);
      wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
      w[t & 15] = wt;
    }
    vigil_u64 S1 = VK_ROR64(e, 14) ^ VK_ROR64(e, 18) ^ VK_ROR64(e, 41);
    vigil_u64 ch = (e & f) ^ (~e & g);
    vigil_u64 t1 = h + S1 + ch + vk_sha512_k[t] + wt;
    vigil_u64 S0 = VK_ROR64(a, 28) ^ VK_ROR64(a, 34) ^ VK_ROR64(a, 39);
    vigil_u64 maj = (a & b) ^ (a & cc) ^ (b & cc);
    vigil_u64 t2 = S0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = cc;
    cc = b;
    b = a;
    a = t1 + t2;
  }
  c->h[0] += a;
  c->h[1] += b;
  c->h[2] += cc;
  c->h[3] += d;
  c->h[4] += e;
  c->h[5] += f;
  c->h[6] += g;
  c->h[7] += h;
}

VK_DEVICE void vk_sha512_init(vk_sha512_ctx* c) {
  c->h[0] = 0x6a09e667f3bcc908ULL;
  c->h[1] = 0xbb67ae8584caa73bULL;
  c->h[2] = 0x3c6ef372fe94f82bULL;
  c->h[3] = 0xa54ff53a5f1d36f1ULL;
  c->h[4] = 0x510e527fade682d1ULL;
  c->h[5] = 0x9b05688c2b3e6c1fULL;
  c->h[6] = 0x1f83d9abfb41bd6bULL;
  c->h[7] = 0x5be0cd19137e2179ULL;
  c->used = 0;
  c->total = 0;
}

VK_DEVICE void vk_sha512_update_global(vk_sha512_ctx* c, VK_GLOBAL const vigil_u8* p, vigil_u32 n) {
  c->total += n;
  for (vigil_u32 i = 0; i < n; ++i) {
    c->buf[c->used++] = p[i];
    if (c->used == 128) {
      vk_sha512_compress(c);
      c->used = 0;
    }
  }
}

VK_DEVICE void vk_sha512_final(vk_sha512_ctx* c, vigil_u8* out) {
  vigil_u64 bits = c->total * 8;
  c->buf[c->used++] = 0x80;
  if (c->used > 112) {
    while (c->used < 128) c->buf[c->used++] = 0;
    vk_sha512_compress(c);
    c->used = 0;
  }
  while (c->used < 120) c->buf[c->used++] = 0;
  for (int j = 0; j < 8; ++j) c->buf[120 + j] = (vigil_u8)(bits >> (56 - 8 * j));
  vk_sha512_compress(c);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) out[8 * i + j] = (vigil_u8)(c->h[i] >> (56 - 8 * j));
}

VK_DEVICE void vk_sha256_compress(vk_sha256_ctx* c) {
  vigil_u32 w[16];
  for (int i = 0; i < 16; ++i)
    w[i] = ((vigil_u32)c->buf[4 * i] << 24) | ((vigil_u32)c->buf[4 * i + 1] << 16) |
           ((vigil_u32)c->buf[4 * i + 2] << 8) | (vigil_u32)c->buf[4 * i + 3];
  vigil_u32 a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
  vigil_u32 e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
  for (int t = 0; t < 64; ++t) {
    vigil_u32 wt;
    if (t < 16) {
      wt = w[t];
    } else {
      vigil_u32 w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      vigil_u32 s0 = VK_ROR32(w15, 7) ^ VK_ROR32(w15, 18) ^ (w15 >> 3);
      vigil_u32 s1 = VK_ROR32(w2, 17) ^ VK_ROR32(w2, 19) ^ (w2 >> 10);
      wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
      w[t & 15] = wt;
    }
    vigil_u32 S1 = VK_ROR32(e, 6) ^ VK_ROR32(e, 11) ^ VK_ROR32(e, 25);
    vigil_u32 ch = (e & f) ^ (~e & g);
    vigil_u32 t1 = h + S1 + ch + vk_sha256_k[t] + wt;
    vigil_u32 S0 = VK_ROR32(a, 2) ^ VK_ROR32(a, 13) ^ VK_ROR32(a, 22);
    vigil_u32 maj = (a & b) ^ (a & cc) ^ (b & cc);
    vigil_u32 t2 = S0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = cc;
    cc = b;
    b = a;
    a = t1 + t2;
  }
  c->h[0] += a;
  c->h[1] += b;
  c->h[2] += cc;
  c->h[3] += d;
  c->h[4] += e;
  c->h[5] += f;
  c->h[6] += g;
  c->h[7] += h;
}

VK_DEVICE void vk_sha256_init(vk_sha256_ctx* c) {
  c->h[0] = 0x6a09e667u;
  c->h[1] = 0xbb67ae85u;
  c->h[2] = 0x3c6ef372u;
  c->h[3] = 0xa54ff53au;
  c->h[4] = 0x510e527fu;
  c->h[5] = 0x9b05688cu;
  c->h[6] = 0x1f83d9abu;
  c->h[7] = 0x5be0cd19u;
  c->used = 0;
  c->total = 0;
}

VK_DEVICE void vk_sha256_byte(vk_sha256_ctx* c, vigil_u8 b) {
  c->buf[c->used++] = b;
  c->total += 1;
  if (c->used == 64) {
    vk_sha256_compress(c);
    c->used = 0;
  }
}

VK_DEVICE void vk_sha256_update_global(vk_sha256_ctx* c, VK_GLOBAL const vigil_u8* p, vigil_u32 n) {
  for (vigil_u32 i = 0; i < n; ++i) vk_sha256_byte(c, p[i]);
}

VK_DEVICE void vk_sha256_final(vk_sha256_ctx* c, vigil_u8* out) {
  vigil_u64 bits = c->total * 8;
  c->buf[c->used++] = 0x80;
  if (c->used > 56) {
    while (c->used < 64) c->buf[c->used++] = 0;
    vk_sha256_compress(c);
    c->used = 0;
  }
  while (c->used < 56) c->buf[c->used++] = 0;
  for (int j = 0; j < 8; ++j) c->buf[56 + j] = (vigil_u8)(bits >> (56 - 8 * j));
  vk_sha256_compress(c);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = (vigil_u8)(c->h[i] >> (24 - 8 * j));
}

#endif /* VIGIL_KERNELS_SHA2_H */
