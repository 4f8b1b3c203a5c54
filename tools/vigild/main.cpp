// vigild: one validator. `vigild --config FILE` checks the whole
// configuration (exit 2 with one line per bad key), starts the node, and
// stops it gracefully on SIGTERM or SIGINT (exit 0).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "host/config/config.hpp"
#include "host/config/genesis.hpp"
#include "host/node/node.hpp"

int main(int argc, char** argv) {
  CLI::App app{"vigild: a Vigil validator"};
  std::string config_path;
  app.add_option("--config", config_path, "vigild.toml")->required();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> errors;
  vigil::config::Config cfg;
  vigil::node::NodeSetup setup;
  std::array<uint8_t, 32> seed{};
  if (vigil::config::load(config_path, &cfg, &errors)) {
    vigil::config::load_genesis(cfg.genesis_file, &setup.genesis, &errors);
    if (vigil::config::load_key_file(cfg.key_file, &seed, &errors))
      setup.key = vigil::crypto::keypair_from_seed(seed);
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::fprintf(stderr, "vigild: %s\n", e.c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(cfg.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);

  // Signals are taken synchronously by this thread; the tiles never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  setup.cfg = cfg;
  vigil::node::Node node(std::move(setup));
  std::string err;
  if (!node.start(&err)) {
    spdlog::error("cannot start: {}", err);
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: stopping", sig);
  node.stop();
  return 0;
}
