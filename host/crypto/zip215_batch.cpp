// ZIP 215 batch verification (see zip215_batch.hpp).
//
// Soundness: after [8] only prime-order components remain, so a batch with a
// bad item passes only if sum z_i E_i = 0 for the nonzero E_i, which random
// secret 128-bit z_i make a 2^-128 event (one check per batch).
#include "host/crypto/zip215_batch.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/ed25519_rules.hpp"
#include "host/crypto/msm.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::crypto {
namespace {

// Batches below this size are checked item by item (check_each, in SIMD
// lanes where the engine has them) instead of by one batch equation. On
// portable and avx2, from two items up the batch equation is cheaper (bench
// verify: batch 2 gave 1.27x the single rate, batch 4 1.6x), so only lone
// items skip it. On avx512ifma one group of 8 lanes checks up to 8 items for
// the price of one, which beats a batch equation over so few terms:
// `vigil bench verify --engine avx512ifma --batch 1,2,4,8,12,16,24,32,48`
// (2026-12-02, EPYC Zen 5, taskset -c 1, per CPU-s), zip215 batch equation
// against strict's lanes (the cost of check_each): 4 items 68k/s vs 80k/s,
// 8 items 113k/s vs 151k/s; from 12 items on the equation wins (133k/s vs
// 115k/s, two lane groups), 16 equal, 24 176k/s vs 154k/s.
// After a failed batch equation this thread checks its next batches item by
// item without trying the equation: bad items tend to come in runs (a
// faulty or hostile sender), and an equation that fails is pure extra cost.
// A failure thus costs at most one equation per kSkipAfterFailure + 1
// batches, which keeps any mix of forged items within 1.3x of verify() per
// item on every engine (portable at batch 64 with 10% forged measured 1.31x
// before this, 2026-12-02), while all-valid traffic never leaves the
// batch equation. Verdicts do not depend on the path taken.
constexpr size_t kSkipAfterFailure = 4;

size_t single_below(Engine engine) {
  return engine == Engine::avx512ifma ? 9 : 2;
}

void fill_random(uint8_t* p, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = getrandom(p + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::abort();  // without secret coefficients the batch check is forgeable
    }
    got += static_cast<size_t>(r);
  }
}

struct Workspace {
  std::vector<Zip215Prepared> prepared;
  std::vector<size_t> item_of;                // prepared slot -> item index
  std::vector<size_t> all;                    // 0, 1, ..., prepared count - 1
  std::vector<uint8_t> random;                // 16 bytes per prepared item
  std::vector<Sc> z;                          // 128-bit coefficients, per prepared item
  std::vector<uint8_t> points_in;             // A then R encodings, 64 bytes per item
  std::vector<uint8_t> xs, ys, decoded;       // their decodings
  std::vector<size_t> order;                  // a subset sorted by key bytes
  std::vector<uint8_t> each;                  // check_each's lane inputs
  std::vector<std::array<Bytes, 3>> hash_in;  // R, A, M per item
  std::vector<Hash512> hashes;
  std::vector<Fe> tx, ty;  // MSM terms: A's, then R's
  std::vector<Sc> scalars;
  MsmWorkspace msm;
  size_t skip_equations = 0;  // batches left to check item by item (see kSkipAfterFailure)
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

// True when [8] sum_{i in subset} z_i (R_i + [k_i]A_i - [S_i]B) is the
// identity, as one MSM: A_i weighted z_i k_i (equal keys merged), then R_i
// weighted z_i (128 bits, so half the windows), B weighted -sum z_i S_i.
bool batch_equation(Workspace& ws, std::span<const size_t> subset, Engine engine) {
  ws.order.assign(subset.begin(), subset.end());
  std::sort(ws.order.begin(), ws.order.end(), [&](size_t a, size_t b) {
    return std::memcmp(ws.prepared[a].a_bytes, ws.prepared[b].a_bytes, 32) < 0;
  });
  ws.tx.clear();
  ws.ty.clear();
  ws.scalars.clear();
  Sc b_coef{{0, 0, 0, 0}};
  const uint8_t* last_key = nullptr;
  for (const size_t i : ws.order) {
    const Zip215Prepared& p = ws.prepared[i];
    b_coef = sc_add(b_coef, sc_mul(ws.z[i], p.s));
    const Sc zk = sc_mul(ws.z[i], p.k);
    if (last_key && std::memcmp(last_key, p.a_bytes, 32) == 0) {
      ws.scalars.back() = sc_add(ws.scalars.back(), zk);
      continue;
    }
    last_key = p.a_bytes;
    ws.tx.push_back(p.ax);
    ws.ty.push_back(p.ay);
    ws.scalars.push_back(zk);
  }
  const size_t n_long = ws.tx.size();
  for (const size_t i : ws.order) {
    ws.tx.push_back(ws.prepared[i].rx);
    ws.ty.push_back(ws.prepared[i].ry);
    ws.scalars.push_back(ws.z[i]);
  }
  return msm_cofactor_is_identity(engine, ws.tx, ws.ty, ws.scalars, n_long, sc_neg(b_coef), ws.msm);
}

// The single equation for every item of `subset`, lane-parallel where the
// engine has SIMD, on the points decoded for the batch.
void check_each(Workspace& ws, std::span<const size_t> subset, Engine engine,
                const std::function<void(size_t, vigil_error)>& report) {
  const size_t m = subset.size();
  ws.each.resize(6 * 32 * m + m);
  uint8_t *ax = ws.each.data(), *ay = ax + 32 * m, *rx = ay + 32 * m, *ry = rx + 32 * m;
  uint8_t *k = ry + 32 * m, *s = k + 32 * m, *ok = s + 32 * m;
  for (size_t j = 0; j < m; ++j) {
    const size_t i = subset[j];
    std::memcpy(ax + 32 * j, &ws.xs[64 * i], 32);
    std::memcpy(ay + 32 * j, &ws.ys[64 * i], 32);
    std::memcpy(rx + 32 * j, &ws.xs[64 * i + 32], 32);
    std::memcpy(ry + 32 * j, &ws.ys[64 * i + 32], 32);
    sc_store(k + 32 * j, ws.prepared[i].k);
    sc_store(s + 32 * j, ws.prepared[i].s);
  }
  zip215_lanes_for(engine)(m, ax, ay, rx, ry, k, s, ok);
  for (size_t j = 0; j < m; ++j) {
    report(ws.item_of[subset[j]], ok[j] ? VIGIL_OK : VIGIL_ERR_SIG_INVALID);
  }
}

// One batch equation over at most this many items: a larger batch is
// verified as consecutive sub-batches, each with its own equation and
// weights. Every stage makes a pass over all of a batch's items (prepare,
// hash, decode, the MSM terms, the verdicts), about 1 KB of workspace per
// item; at 4096 items those passes no longer fit in L2 (1 MB per core on the
// 2026-12-01 EPYC), which made batch 4096 ~12% slower per item than 1024
// there. The MSM already runs its own doubling chain per 256 terms
// (simd/edwards_simd.hpp), so a sub-batch costs nothing extra but its
// base-point term and one getrandom call.
constexpr size_t kChunkItems = 1024;

void verify_chunk(std::span<const VerifyItem> items, Engine engine,
                  const std::function<void(size_t, vigil_error)>& report) {
  Workspace& ws = workspace();
  ws.prepared.resize(items.size());
  ws.item_of.clear();
  // Checks that need no point first; A and R of the survivors then decode
  // together, lane-parallel where the engine has SIMD.
  ws.points_in.clear();
  ws.hash_in.clear();
  for (size_t i = 0; i < items.size(); ++i) {
    const vigil_error e = zip215_prepare_unhashed(items[i], ws.prepared[ws.item_of.size()]);
    if (e != VIGIL_OK) {
      report(i, e);
      continue;
    }
    ws.item_of.push_back(i);
    ws.points_in.insert(ws.points_in.end(), items[i].public_key, items[i].public_key + 32);
    ws.points_in.insert(ws.points_in.end(), items[i].signature, items[i].signature + 32);
    ws.hash_in.push_back(
        {Bytes{items[i].signature, 32}, Bytes{items[i].public_key, 32}, items[i].message});
  }
  const size_t m = ws.item_of.size();
  // k = SHA-512(R || A || M) mod L, the hashes side by side in SIMD lanes.
  ws.hashes.resize(m);
  sha512_batch3(ws.hash_in, ws.hashes);
  for (size_t j = 0; j < m; ++j) ws.prepared[j].k = sc_reduce512(ws.hashes[j].data());
  ws.xs.resize(64 * m);
  ws.ys.resize(64 * m);
  ws.decoded.resize(2 * m);
  decode_lanes_for(engine)(2 * m, ws.points_in.data(), ws.xs.data(), ws.ys.data(),
                           ws.decoded.data());
  size_t n = 0;  // compact: prepared[0, n) decoded
  for (size_t j = 0; j < m; ++j) {
    if (!ws.decoded[2 * j] || !ws.decoded[2 * j + 1]) {
      report(ws.item_of[j], VIGIL_ERR_POINT_DECODE);
      continue;
    }
    Zip215Prepared& p = ws.prepared[n];
    p = ws.prepared[j];
    std::memmove(&ws.xs[64 * n], &ws.xs[64 * j], 64);
    std::memmove(&ws.ys[64 * n], &ws.ys[64 * j], 64);
    p.ax = fe_frombytes(&ws.xs[64 * n]);
    p.ay = fe_frombytes(&ws.ys[64 * n]);
    p.rx = fe_frombytes(&ws.xs[64 * n + 32]);
    p.ry = fe_frombytes(&ws.ys[64 * n + 32]);
    ws.item_of[n++] = ws.item_of[j];
  }
  ws.item_of.resize(n);
  ws.z.resize(n);
  ws.random.resize(16 * n);
  fill_random(ws.random.data(), ws.random.size());
  ws.all.resize(n);
  for (size_t i = 0; i < n; ++i) {
    ws.z[i] = Sc{{0, 0, 0, 0}};
    std::memcpy(ws.z[i].v, ws.random.data() + 16 * i, 16);
    ws.all[i] = i;
  }
  if (n < single_below(engine)) return check_each(ws, ws.all, engine, report);
  if (ws.skip_equations > 0) {
    --ws.skip_equations;
    return check_each(ws, ws.all, engine, report);
  }
  if (batch_equation(ws, ws.all, engine)) {
    for (size_t i = 0; i < n; ++i) report(ws.item_of[i], VIGIL_OK);
    return;
  }
  // A failed batch equation: every item on its own (check_each reuses the
  // hashes and decoded points, in SIMD lanes). Bisection was measured and
  // never paid (vigil bench verify --rules zip215 --batch 256 --invalid
  // 1,10,50,100, 2026-12-01, AMD EPYC): a batch equation over a few items
  // costs about as much per item as check_each (IFMA: 0.6 to 1x), so with 1%
  // forged items bisecting made the batch cost 0.29x verify() per item
  // against 0.22x without (avx2 0.84x against 0.77x), and with half forged
  // it wasted up to 1.4 batch equations' work. Without it a batch costs one
  // batch equation plus check_each on every item: 1.19x verify() on
  // portable, 0.77x on avx2, 0.22x on avx512ifma, whatever the mix.
  ws.skip_equations = kSkipAfterFailure;
  check_each(ws, ws.all, engine, report);
}

}  // namespace

void zip215_forget_failures() {
  workspace().skip_equations = 0;
}

void zip215_verify_batch(std::span<const VerifyItem> items, Engine engine,
                         const std::function<void(size_t, vigil_error)>& report) {
  if (items.size() <= kChunkItems) return verify_chunk(items, engine, report);
  for (size_t at = 0; at < items.size(); at += kChunkItems) {
    verify_chunk(items.subspan(at, std::min(kChunkItems, items.size() - at)), engine,
                 [&](size_t i, vigil_error e) { report(at + i, e); });
  }
}

}  // namespace vigil::crypto
