// The JSON form of an account at a height, shared by `vigil state` and
// vigild's GET /account: {"account": pk hex, "height": H, "exists": bool,
// "balance", "nonce" (0 when absent), "state_root": hex (the state after
// block H)} and, with a proof, "proof": hex (host/state encode_proof) and
// "header": hex of block H+1's 128-byte header, whose state_root commits to
// that state, when that block exists. `vigil verify-proof` reads it.
#pragma once

#include <nlohmann/json.hpp>

#include "host/ledger/ledger.hpp"

namespace vigil::ledger {

nlohmann::json account_json(const Ledger& l, const PublicKey& pk, const AccountAt& at,
                            bool with_proof);

}  // namespace vigil::ledger
