#include "host/ledger/account_json.hpp"

#include "host/consensus/wire.hpp"
#include "host/crypto/sig_jsonl.hpp"

namespace vigil::ledger {
namespace {

std::string hex(ByteView b) {
  return crypto::to_hex(b.data(), b.size());
}

}  // namespace

nlohmann::json account_json(const Ledger& l, const PublicKey& pk, const AccountAt& at,
                            bool with_proof) {
  nlohmann::json j = {{"account", hex(pk)},
                      {"height", at.height},
                      {"exists", at.account.has_value()},
                      {"state_root", hex(at.state_root)}};
  const Account a = at.account.value_or(Account{});  // an absent account holds nothing
  j["balance"] = a.balance;
  j["nonce"] = a.nonce;
  if (with_proof) {
    j["proof"] = hex(state::encode_proof(at.proof));
    if (auto next = l.block_at(at.height + 1))
      j["header"] = hex(consensus::encode_block_hdr(next->block.hdr));
  }
  return j;
}

}  // namespace vigil::ledger
