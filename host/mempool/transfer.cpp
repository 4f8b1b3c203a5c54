#include "host/mempool/transfer.hpp"

#include <vigil/fi/transfer.h>

#include <cstring>

#include "host/execution/transaction.hpp"

namespace vigil::mempool {
namespace {

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::array<uint8_t, kTransferBytes> encode_transfer(const Transfer& t) {
  std::array<uint8_t, kTransferBytes> out{};
  out[0] = kTransferVersion;
  out[1] = VIGIL_TX_TRANSFER;
  std::memcpy(out.data() + 8, t.to.data(), 32);
  put_u64(out.data() + 40, t.amount);
  put_u64(out.data() + 48, t.fee);
  put_u64(out.data() + 56, t.nonce);
  return out;
}

std::optional<Transfer> decode_transfer(std::span<const uint8_t> p) {
  if (p.size() != kTransferBytes || p[0] != kTransferVersion || p[1] != VIGIL_TX_TRANSFER)
    return std::nullopt;
  for (int i = 2; i < 8; ++i)
    if (p[size_t(i)] != 0) return std::nullopt;
  Transfer t;
  std::memcpy(t.to.data(), p.data() + 8, 32);
  t.amount = get_u64(p.data() + 40);
  t.fee = get_u64(p.data() + 48);
  t.nonce = get_u64(p.data() + 56);
  return t;
}

std::optional<uint64_t> payload_nonce(std::span<const uint8_t> payload) {
  if (auto t = decode_transfer(payload)) return t->nonce;
  if (auto g = execution::decode_governance(payload)) return g->nonce;
  return std::nullopt;
}

}  // namespace vigil::mempool
