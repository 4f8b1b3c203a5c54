// A validator: the tiles of ../../shared/DESIGN.md wired together, each on
// its own thread with bounded queues between them:
//
//   net tile      packet port -> ingest (parse, dedup, rate limits) -> batcher
//   verify tile   batches -> Accelerator -> mempool (verified frames only);
//                 invalid signatures go back to ingest's source budgets
//   consensus     peer messages, timers -> consensus::Core -> actions: sends,
//                 verifications (the Accelerator's express lane), persists,
//                 commits (execution, then the mempool forgets them);
//                 a proposal's frames are verified as one batch before the
//                 core sees it
//   p2p, rpc      Boost.Asio threads (host/p2p, host/rpc)
//
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
