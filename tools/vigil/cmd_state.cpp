// vigil state DIR --account PK [--height H] [--proof]: one account at a
// height (default: the tip) as JSON (account_proof.hpp), with --proof the
// sparse Merkle proof a light client checks with `vigil verify-proof`.
// Read-only; exit 1 when the store or the height cannot answer.
#include <cstdio>

#include "account_proof.hpp"
#include "command.hpp"
#include "host/consensus/wire.hpp"
#include "host/ledger/account_json.hpp"
#include "host/ledger/ledger.hpp"

namespace {

struct Args {
  std::string dir, account;
  std::optional<uint64_t> height;
  bool proof = false;
};

int run(const Args& a) {
  using namespace vigil;
  auto pk = tool::hex_array<32>(a.account);
  if (!pk) {
    std::fprintf(stderr, "vigil state: --account must be 64 hex digits\n");
    return 2;
  }
  ledger::LedgerOptions opt;
  opt.read_only = true;
  std::string err;
  auto l = ledger::Ledger::open(a.dir, opt, &err);
  if (!l) {
    std::fprintf(stderr, "vigil state: %s\n", err.c_str());
    return 1;
  }
  uint64_t h = a.height.value_or(l->height());
  auto at = l->account_at(*pk, h, &err);
  if (!at) {
    std::fprintf(stderr, "vigil state: %s\n", err.c_str());
    return 1;
  }
  nlohmann::json j = ledger::account_json(*l, *pk, *at, a.proof);
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"state", "Print an account at a height, with a proof against its state root", "",
     [](CLI::App& app) {
       auto a = std::make_shared<Args>();
       app.add_option("DIR", a->dir, "ledger directory")->required();
       app.add_option("--account", a->account, "public key, 64 hex digits")->required();
       app.add_option("--height", a->height, "height (default: the last committed)");
       app.add_flag("--proof", a->proof, "include the proof (and block H+1's header)");
       app.callback([a] { vigil::tool::exit_status() = run(*a); });
     }});

}  // namespace
