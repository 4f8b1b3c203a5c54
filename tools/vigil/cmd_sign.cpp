// vigil sign: signs messages with a seed's key. With --msg, one message;
// otherwise one hex message per line of standard input. Writes JSON lines
// {"pk","msg","sig"} that `vigil verify` reads.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"

namespace {

using namespace vigil::crypto;

void print_signed(const Keypair& key, const std::vector<uint8_t>& msg) {
  const Signature sig = sign(key, msg);
  std::printf("{\"pk\":\"%s\",\"msg\":\"%s\",\"sig\":\"%s\"}\n",
              to_hex(key.public_key.data(), 32).c_str(), to_hex(msg.data(), msg.size()).c_str(),
              to_hex(sig.data(), 64).c_str());
}

int sign_command(const std::string& seed_hex, const std::string* msg_hex) {
  std::vector<uint8_t> seed;
  if (!from_hex(seed_hex, seed) || seed.size() != 32) {
    std::fprintf(stderr, "vigil sign: --seed must be 64 hex digits\n");
    return 2;
  }
  Seed s;
  std::copy(seed.begin(), seed.end(), s.begin());
  const Keypair key = keypair_from_seed(s);
  std::vector<uint8_t> msg;
  if (msg_hex) {
    if (!from_hex(*msg_hex, msg)) {
      std::fprintf(stderr, "vigil sign: --msg is not hex\n");
      return 2;
    }
    print_signed(key, msg);
    return 0;
  }
  int status = 0;
  std::string line;
  for (size_t n = 1; std::getline(std::cin, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!from_hex(line, msg)) {
      std::fprintf(stderr, "vigil sign: line %zu is not hex; skipped\n", n);
      status = 1;
      continue;
    }
    print_signed(key, msg);
  }
  return status;
}

const bool registered = vigil::tool::register_command(
    {"sign", "Sign hex messages (--msg or one per stdin line) as verify's JSON lines", "",
     [](CLI::App& app) {
       auto seed = std::make_shared<std::string>();
       auto msg = std::make_shared<std::string>();
       app.add_option("--seed", *seed, "the signer's 32-byte seed (hex), from vigil keygen")
           ->required();
       auto* msg_opt = app.add_option("--msg", *msg, "one message (hex)");
       app.callback([=] {
         vigil::tool::exit_status() = sign_command(*seed, msg_opt->count() ? msg.get() : nullptr);
       });
     }});

}  // namespace
