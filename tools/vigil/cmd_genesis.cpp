// vigil genesis: validator keys, funded account keys (accounts.jsonl, one
// `vigil keygen` line each), the genesis file and one vigild.toml per node
// (loopback ports that do not collide, a data directory beside each config),
// so that `vigild --config DIR/node-I/vigild.toml` starts node I.
// --standby K adds K nodes after the validators whose keys are NOT in the
// genesis set (funded accounts, so they can approve governance once added):
// they follow the chain until committed governance adds them. Every
// config's [peers] names the standbys' addresses, so the validators can dial
// one once it joins the set.
#include <vigil/fi/consensus.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "command.hpp"
#include "host/config/genesis.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"

namespace {

using namespace vigil;
namespace fs = std::filesystem;

struct Options {
  uint32_t validators = 4;
  uint32_t standby = 0;
  uint32_t accounts = 64;
  std::string out;
  uint32_t base_port = 17000;
  uint64_t balance = 1'000'000'000'000ull;
  std::string host = "127.0.0.1";
  std::string engine = "auto";
  std::string log_level = "info";
  uint32_t batch = 1024;
  uint32_t deadline_us = 10000;
  uint32_t round_timeout_ms = 1000;
  uint32_t block_max_txs = 4096;
};

std::string key_line(const crypto::Keypair& k) {
  return "{\"seed\":\"" + crypto::to_hex(k.seed.data(), 32) + "\",\"pk\":\"" +
         crypto::to_hex(k.public_key.data(), 32) + "\"}\n";
}

bool write(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
  return bool(f);
}

std::string addr(const Options& o, uint32_t port) {
  return o.host + ":" + std::to_string(port);
}

int run(const Options& o) {
  if (o.out.empty()) {
    std::fprintf(stderr, "vigil genesis: --out DIR is required\n");
    return 2;
  }
  const uint32_t nodes = o.validators + o.standby;
  if (o.base_port + 3 * nodes > 65535) {
    std::fprintf(stderr, "vigil genesis: --base-port leaves no room for %u nodes\n", nodes);
    return 2;
  }
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    std::fprintf(stderr, "vigil genesis: cannot create %s: %s\n", o.out.c_str(),
                 ec.message().c_str());
    return 1;
  }
  config::GenesisFile g;
  g.chain = "vigil-local";
  std::vector<crypto::Keypair> vkeys;
  for (uint32_t i = 0; i < o.validators; ++i) {
    vkeys.push_back(crypto::generate_keypair());
    g.validators.push_back({vkeys.back().public_key, addr(o, o.base_port + 3 * i)});
  }
  std::string peers;  // [peers] of every config: the standbys' addresses
  for (uint32_t i = o.validators; i < nodes; ++i) {
    vkeys.push_back(crypto::generate_keypair());
    g.accounts.push_back({vkeys.back().public_key, o.balance});
    peers += "\"" + crypto::to_hex(vkeys.back().public_key.data(), 32) + "\" = \"" +
             addr(o, o.base_port + 3 * i) + "\"\n";
  }
  std::string accounts;
  for (uint32_t i = 0; i < o.accounts; ++i) {
    const auto k = crypto::generate_keypair();
    accounts += key_line(k);
    g.accounts.push_back({k.public_key, o.balance});
  }
  bool ok = write(fs::path(o.out) / "genesis.json", config::genesis_json(g)) &&
            write(fs::path(o.out) / "accounts.jsonl", accounts);
  for (uint32_t i = 0; ok && i < nodes; ++i) {
    const fs::path dir = fs::path(o.out) / ("node-" + std::to_string(i));
    fs::create_directories(dir / "data", ec);
    const uint32_t p = o.base_port + 3 * i;
    std::string toml;
    toml += "# vigild configuration of node " + std::to_string(i) +
            (i < o.validators ? "" : ", a standby outside the genesis set") +
            " (made by vigil genesis)\n";
    toml +=
        "data_dir = \"data\"\nkey_file = \"validator.key\"\ngenesis_file = \"../genesis.json\"\n";
    toml += "log_level = \"" + o.log_level + "\"\nidle = \"adaptive\"\n";
    toml += "engine = \"" + o.engine + "\"\nrules = \"zip215\"\n\n";
    toml += "[listen]\np2p = \"" + addr(o, p) + "\"\nudp = \"" + addr(o, p + 1) + "\"\nhttp = \"" +
            addr(o, p + 2) + "\"\n\n";
    toml += "[packet]\nport = \"udp\"\n\n";
    toml += "[batch]\nsize = " + std::to_string(o.batch) +
            "\ndeadline_us = " + std::to_string(o.deadline_us) + "\n\n";
    toml += "[consensus]\nround_timeout_ms = " + std::to_string(o.round_timeout_ms) +
            "\nblock_max_txs = " + std::to_string(o.block_max_txs) + "\nlog_every = 100\n";
    if (!peers.empty()) toml += "\n[peers]\n" + peers;
    ok = write(dir / "vigild.toml", toml) && write(dir / "validator.key", key_line(vkeys[i]));
  }
  if (!ok) {
    std::fprintf(stderr, "vigil genesis: cannot write into %s\n", o.out.c_str());
    return 1;
  }
  std::printf("genesis: %u validators, %u standby, %u accounts in %s (ports %u..%u)\n",
              o.validators, o.standby, o.accounts, o.out.c_str(), o.base_port,
              o.base_port + 3 * nodes - 1);
  return 0;
}

const bool registered = tool::register_command(
    {"genesis", "Make a local chain: validator keys, accounts, genesis and node configs", "",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--validators", o->validators, "validators")->check(CLI::Range(1, 128));
       app.add_option("--standby", o->standby,
                      "extra nodes whose keys are not in the genesis set (added by governance)")
           ->check(CLI::Range(0, 128));
       app.add_option("--accounts", o->accounts, "funded accounts")->check(CLI::Range(0, 1 << 20));
       app.add_option("--out", o->out, "output folder")->required();
       app.add_option("--base-port", o->base_port, "first port (3 per node)")
           ->check(CLI::Range(1024, 65000));
       app.add_option("--balance", o->balance, "each account's balance");
       app.add_option("--host", o->host, "address the nodes listen on");
       app.add_option("--engine", o->engine, "engine in the configs");
       app.add_option("--log-level", o->log_level, "log level in the configs");
       app.add_option("--batch", o->batch, "batch size in the configs")->check(CLI::Range(1, 8192));
       app.add_option("--deadline-us", o->deadline_us, "batch deadline in the configs");
       app.add_option("--round-timeout-ms", o->round_timeout_ms, "round timeout in the configs");
       app.add_option("--block-max-txs", o->block_max_txs, "frames per block in the configs")
           ->check(CLI::Range(1, VIGIL_BLOCK_MAX_TXS));
       app.callback([o] { tool::exit_status() = run(*o); });
     }});

}  // namespace
