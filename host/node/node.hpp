// A validator: the tiles of ../../shared/DESIGN.md wired together, each on
// its own thread with bounded queues between them:
//
//   verify tile   packet port, POST /tx and peers' forwarded frames ->
//                 host/sigverify (ingest, batcher, Accelerator; dedup records
//                 verified frames only, bad signatures charge their source)
//   mempool tile  verified frames -> mempool; a client's frame is forwarded
//                 to the peers (bounded, once: a forwarded one never again)
//   consensus     peer messages, timers -> consensus::Core -> actions: sends,
//                 verifications (the Accelerator's express lane), persists,
//                 commits (execution, then the mempool forgets them);
//                 a proposal's frames are verified as one batch before the
//                 core sees it, except those the mempool holds byte for byte
//   p2p, rpc      Boost.Asio threads (host/p2p, host/rpc); the network admits
//                 the validator set of the core's epoch (set when an epoch
//                 starts) and dials added validators from an address book:
//                 the genesis file's addresses and the config's [peers]
//
// A key outside the genesis set starts as a standby: it follows the chain
// from genesis and takes part once committed governance adds it.
//
// Each tile exports its `vigil monitor` row (host/metrics/tile_metrics.hpp).
// The node holds no component's logic; it moves data between them, counts
// what each queue drops, and publishes metrics.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "host/config/config.hpp"
#include "host/config/genesis.hpp"
#include "host/crypto/ed25519.hpp"

namespace vigil::node {

struct NodeSetup {
  config::Config cfg;
  config::GenesisFile genesis;
  crypto::Keypair key;
};

class Node {
 public:
  explicit Node(NodeSetup setup);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Opens the store, the engine, the sockets and starts every tile; false
  // and *error when one cannot start.
  bool start(std::string* error);
  // Graceful stop: intake first, then the in-flight batch, then consensus,
  // the peers and the API; returns when every thread has joined.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::node
