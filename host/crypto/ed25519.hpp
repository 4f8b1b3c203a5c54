// Ed25519 for Vigil: key generation and signing (tools, tests, consensus
// messages) and verification under the two consensus rule sets, one item or
// a batch at a time, on the best CPU engine or a forced one.
//
// Promise: every engine gives the same verdict, bit for bit, on every input,
// and a batch verdict equals the single verdict of each item. strict equals
// libsodium's crypto_sign_verify_detached; zip215 is ZIP 215 exactly.
// Thread-safe: no function here keeps state between calls.
#pragma once

#include <vigil/fi/contract.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::crypto {

enum class Rules : uint8_t { strict = VIGIL_RULES_STRICT, zip215 = VIGIL_RULES_ZIP215 };

// CPU engines. `automatic` picks the best one this CPU has (CPUID).
enum class Engine : uint8_t { automatic, portable, avx2, avx512ifma };

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using Seed = std::array<uint8_t, 32>;

struct Keypair {
  Seed seed;
  PublicKey public_key;
};

// One item to verify. The pointed-to bytes must outlive the call.
struct VerifyItem {
  const uint8_t* public_key;  // 32 bytes
  const uint8_t* signature;   // 64 bytes: R || S
  std::span<const uint8_t> message;
};

std::string_view engine_name(Engine e);
std::optional<Engine> parse_engine(std::string_view name);
std::optional<Rules> parse_rules(std::string_view name);
std::string_view rules_name(Rules r);
// True when this CPU can run `e` (automatic and portable always can).
bool engine_supported(Engine e);
// The engine `automatic` resolves to on this CPU.
Engine best_engine();

Keypair keypair_from_seed(const Seed& seed);
// A fresh key from the operating system's random source (getrandom).
Keypair generate_keypair();
Signature sign(const Keypair& key, std::span<const uint8_t> message);

// VIGIL_OK when valid, else the reason (enum vigil_error): S_NONCANONICAL,
// POINT_DECODE, POINT_NONCANONICAL, SMALL_ORDER or SIG_INVALID; BAD_RULES
// for an unknown rule set, UNSUPPORTED for an engine this CPU lacks.
vigil_error verify(const VerifyItem& item, Rules rules, Engine engine = Engine::automatic);

// Verifies items[i] for every i: sets bit i of verdict_words[i / 32] when
// valid and clears it otherwise; when `errors` is not empty it receives one
// vigil_error per item. verdict_words needs VIGIL_VERDICT_WORDS(n) words.
// zip215 batches are checked with one multi-scalar multiplication and fall
// back to find the bad items when the batch equation fails. An engine this
// CPU lacks marks every item UNSUPPORTED. Output spans shorter than stated
// are a caller's bug: the process aborts rather than write past them.
void verify_batch(std::span<const VerifyItem> items, Rules rules, std::span<uint32_t> verdict_words,
                  std::span<uint8_t> errors = {}, Engine engine = Engine::automatic);

}  // namespace vigil::crypto
