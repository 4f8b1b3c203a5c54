#include "drivers/accel/batch_buffer.hpp"

#include <cstring>

// The kernels' descriptor check, compiled for the host (vendor.h).
#include "kernels/vigil_kernels.cl"

namespace vigil::accel {

namespace {
size_t align8(size_t x) {
  return (x + 7) & ~size_t(7);
}
}  // namespace

size_t packed_batch_size(uint32_t n, uint32_t m) {
  return align8(sizeof(vigil_batch_desc) + size_t(n) * 96 + (size_t(n) + 1) * 4) + m;
}

BatchBuffer::BatchBuffer(uint32_t max_items, uint32_t max_msg_bytes)
    : max_items_(max_items), max_msg_bytes_(max_msg_bytes) {
  keys_.resize(size_t(max_items) * 32);
  sigs_.resize(size_t(max_items) * 64);
  offsets_.resize(size_t(max_items) + 1);
  msgs_.resize(max_msg_bytes);
  packed_.resize(packed_batch_size(max_items, max_msg_bytes));
  clear(crypto::Rules::zip215);
}

void BatchBuffer::clear(crypto::Rules rules) {
  rules_ = rules;
  count_ = 0;
  offsets_[0] = 0;
  packed_size_ = 0;
}

bool BatchBuffer::add(const uint8_t* pubkey, const uint8_t* signature,
                      std::span<const uint8_t> message) {
  uint32_t used = offsets_[count_];
  if (count_ >= max_items_ || message.size() > max_msg_bytes_ - used) return false;
  std::memcpy(&keys_[size_t(count_) * 32], pubkey, 32);
  std::memcpy(&sigs_[size_t(count_) * 64], signature, 64);
  if (!message.empty()) std::memcpy(&msgs_[used], message.data(), message.size());
  offsets_[count_ + 1] = used + uint32_t(message.size());
  ++count_;
  return true;
}

void BatchBuffer::seal(bool bulk) {
  const uint32_t n = count_, m = offsets_[n];
  vigil_batch_desc d{};
  d.count = n;
  d.rules = static_cast<uint8_t>(rules_);
  d.scheme = VIGIL_SCHEME_ED25519;
  d.flags = bulk ? VIGIL_BATCH_FLAG_BULK : 0;
  d.msg_bytes = m;
  d.pubkey_off = sizeof(vigil_batch_desc);
  d.sig_off = d.pubkey_off + size_t(n) * 32;
  d.msg_offsets_off = d.sig_off + size_t(n) * 64;
  d.msg_off = align8(d.msg_offsets_off + (size_t(n) + 1) * 4);
  uint8_t* p = packed_.data();
  std::memcpy(p, &d, sizeof d);
  if (n) {  // an empty batch's vectors may have no storage at all
    std::memcpy(p + d.pubkey_off, keys_.data(), size_t(n) * 32);
    std::memcpy(p + d.sig_off, sigs_.data(), size_t(n) * 64);
  }
  std::memcpy(p + d.msg_offsets_off, offsets_.data(), (size_t(n) + 1) * 4);
  std::memset(p + d.msg_offsets_off + (size_t(n) + 1) * 4, 0,
              d.msg_off - (d.msg_offsets_off + (size_t(n) + 1) * 4));
  if (m) std::memcpy(p + d.msg_off, msgs_.data(), m);
  packed_size_ = d.msg_off + m;
}

bool BatchView::well_formed() const {
  return bytes.size() >= sizeof(vigil_batch_desc) &&
         vk_batch_desc_fits(reinterpret_cast<const vigil_batch_desc*>(bytes.data()), bytes.size());
}

bool BatchView::item_ok(uint32_t i) const {
  const vigil_batch_desc& d = desc();
  const uint32_t* offs = reinterpret_cast<const uint32_t*>(bytes.data() + d.msg_offsets_off);
  return offs[i] <= offs[i + 1] && offs[i + 1] <= d.msg_bytes;
}

crypto::VerifyItem BatchView::item(uint32_t i) const {
  const vigil_batch_desc& d = desc();
  const uint8_t* p = bytes.data();
  const uint32_t* offs = reinterpret_cast<const uint32_t*>(p + d.msg_offsets_off);
  return {p + d.pubkey_off + size_t(i) * 32, p + d.sig_off + size_t(i) * 64,
          std::span<const uint8_t>(p + d.msg_off + offs[i], offs[i + 1] - offs[i])};
}

}  // namespace vigil::accel
