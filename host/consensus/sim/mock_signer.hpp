// A fast deterministic stand-in signature scheme for the simulator:
// sig = SHA-512("vigil/mock-sig" || key || message), where the public key
// is the key. Anyone who knows a key could sign with it, so it is no
// signature scheme at all outside the simulator, whose adversaries sign
// only with their own keys; it lets thousands of schedules run where real
// Ed25519 would take hours, and the core cannot tell the difference.
#pragma once

#include <functional>

#include "host/consensus/core.hpp"

namespace vigil::consensus::sim {

Signature mock_sign(const PublicKey& key, ByteView message);
bool mock_verify(const VerifyItem& item);
PublicKey mock_key(uint64_t seed, uint32_t index);

class MockSigner final : public Signer {
 public:
  explicit MockSigner(PublicKey key) : key_(key) {}
  PublicKey public_key() const override { return key_; }
  Signature sign(ByteView message) override {
    if (on_sign) on_sign(message);
    return mock_sign(key_, message);
  }
  // Called with every message signed (the simulator's double-sign check).
  std::function<void(ByteView)> on_sign;

 private:
  PublicKey key_;
};

}  // namespace vigil::consensus::sim
