// vigil keygen: a fresh Ed25519 key (getrandom), or the key of a given seed,
// as one JSON line {"seed":hex,"pk":hex}.
#include <cstdio>
#include <string>
#include <vector>

#include "command.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"

namespace {

using namespace vigil::crypto;

int keygen(const std::string& seed_hex, int count) {
  for (int i = 0; i < count; ++i) {
    Keypair key;
    if (seed_hex.empty()) {
      key = generate_keypair();
    } else {
      std::vector<uint8_t> seed;
      if (!from_hex(seed_hex, seed) || seed.size() != 32) {
        std::fprintf(stderr, "vigil keygen: --seed must be 64 hex digits\n");
        return 2;
      }
      Seed s;
      std::copy(seed.begin(), seed.end(), s.begin());
      key = keypair_from_seed(s);
    }
    std::printf("{\"seed\":\"%s\",\"pk\":\"%s\"}\n", to_hex(key.seed.data(), 32).c_str(),
                to_hex(key.public_key.data(), 32).c_str());
  }
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"keygen", "Make Ed25519 keys: {\"seed\":hex,\"pk\":hex} per line", "", [](CLI::App& app) {
       auto seed = std::make_shared<std::string>();
       auto count = std::make_shared<int>(1);
       app.add_option("--seed", *seed, "derive the key from this 32-byte seed (hex)");
       app.add_option("--count", *count, "how many fresh keys")->check(CLI::PositiveNumber);
       app.callback([=] { vigil::tool::exit_status() = keygen(*seed, *count); });
     }});

}  // namespace
