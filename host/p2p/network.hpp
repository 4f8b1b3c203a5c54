// The validator peer network: Boost.Asio TCP on one io_context thread.
//
// Every node listens and also dials every other validator, so each pair has
// up to two authenticated sessions; a message goes out on the dialed one when
// it is up, else on the accepted one, and is read from both. A session starts
// with the handshake of <vigil/fi/p2p.h> (handshake.hpp) and reads nothing
// else until both proofs check; a refusal closes it and is counted by reason.
// Then messages are length-prefixed, at most max_message bytes (a longer
// prefix closes the session, counted).
//
// Promise: send() and broadcast() never block and are safe from any thread;
// each peer has a bounded send queue (messages and bytes), and a full queue
// drops the message, counted, so a slow or dead peer never holds up the
// others. Dials back off exponentially with jitter up to max_backoff.
//
// The set follows the chain: set_validators() (when an epoch starts) makes
// the handshake admit exactly the new set, closes the sessions of keys it
// dropped (their later handshakes are refused as removed_key), renumbers the
// peers it kept without dropping their sessions, and dials the ones it added.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "host/p2p/handshake.hpp"

namespace vigil::p2p {

using SharedBytes = std::shared_ptr<const std::vector<uint8_t>>;

struct NetworkConfig {
  Identity identity;
  std::string listen;                 // "HOST:PORT"
  std::vector<std::string> peers;     // by validator index; this node's own entry is ignored
  size_t send_queue_messages = 4096;  // per peer
  size_t send_queue_bytes = 64u << 20;
  uint32_t max_message = VIGIL_P2P_MAX_MESSAGE;
  std::chrono::milliseconds handshake_timeout{3000};
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  uint32_t max_inbound = 64;  // handshaking or established accepted sessions
};

struct NetworkCounters {
  std::array<std::atomic<uint64_t>, kRefusalReasons> refused{};
  std::atomic<uint64_t> oversized{0};     // sessions closed for a length over the maximum
  std::atomic<uint64_t> inbound_full{0};  // accepted connections closed: too many
  std::atomic<uint64_t> messages_in{0}, bytes_in{0};
  std::atomic<uint64_t> messages_out{0}, bytes_out{0};
  std::atomic<uint64_t> send_queue_full{0};  // messages dropped: the peer's queue was full
  std::atomic<uint64_t> no_session{0};       // messages dropped: the peer is not connected
  std::atomic<uint64_t> sessions_up{0}, sessions_down{0};
  std::atomic<uint64_t> removed_closed{0};  // sessions closed: their key left the set
  std::atomic<int64_t> queued{0};           // messages waiting in the send queues of open sessions
};

class Network {
 public:
  // from: the authenticated peer's validator index (in the set current when
  // the message arrived).
  using OnMessage = std::function<void(uint32_t from, std::vector<uint8_t>&& bytes)>;
  using OnPeer = std::function<void(uint32_t peer, bool up, const std::string& why)>;

  Network(NetworkConfig config, OnMessage on_message, OnPeer on_peer);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Binds the listener and starts the I/O thread; false and *error when the
  // address cannot be bound.
  bool start(std::string* error);
  void stop();

  void send(uint32_t to, SharedBytes bytes);
  void broadcast(SharedBytes bytes);  // every peer but this node

  // The validator set changed: `keys` by index, `addresses` ("HOST:PORT" or
  // "" where unknown) beside them. Safe from any thread; messages sent after
  // it use the new indices.
  void set_validators(std::vector<Key> keys, std::vector<std::string> addresses);

  uint32_t peers_connected() const { return connected_.load(); }
  uint16_t listen_port() const { return listen_port_; }
  const NetworkCounters& counters() const { return counters_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<uint32_t> connected_{0};
  uint16_t listen_port_ = 0;
  NetworkCounters counters_;
};

// Splits "HOST:PORT"; false when it is not that shape or the port is not 1..65535.
bool split_host_port(const std::string& s, std::string* host, uint16_t* port);

}  // namespace vigil::p2p
